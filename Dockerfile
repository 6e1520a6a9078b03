# The seed server in a container: every seed pattern, durable state in the /data volume.
#
#   docker build -t actorium-seed .
#   docker run --rm -p 6420:6420 -v actorium-data:/data actorium-seed
#
# Every flag has an ACTORIUM_* variable (README, "Operations"): e.g. -e ACTORIUM_TOKEN=...,
# -e ACTORIUM_LOG_FORMAT=json. The server speaks plain HTTP; put TLS in a reverse proxy.
# tests: examples/tests/operations.rs checks the binary, port, address and volume below.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p actorium-examples --bin seed-server \
    && cp target/release/seed-server /usr/local/bin/seed-server

FROM debian:bookworm-slim
RUN useradd --system --create-home --home-dir /home/actorium actorium \
    && mkdir /data && chown actorium /data
COPY --from=build /usr/local/bin/seed-server /usr/local/bin/seed-server
USER actorium
# Inside a container the server must listen on every interface, not 127.0.0.1.
ENV ACTORIUM_HOST=0.0.0.0 \
    ACTORIUM_PORT=6420 \
    ACTORIUM_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 6420
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/seed-server"]
CMD ["serve"]
