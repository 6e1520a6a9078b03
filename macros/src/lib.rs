//! # actorium-macros
//!
//! `#[actor]`: one Rust trait, the *contract*, becomes the typed client handle, the server-side
//! trait with its dispatch, typed events and the schema. Use it through the facade:
//! `#[actorium::actor]`. The stages are small modules: `attrs` and `model` parse and
//! validate, `check` looks across items, `expand` generates, `impl_block` handles the
//! implementation side.
//!
//! See the documentation of [`macro@actor`] for the tutorial.

mod attrs;
mod check;
mod errors;
mod expand;
mod guards;
mod impl_block;
mod model;
mod names;

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::{Item, ItemTrait, Path, TraitItem};

use crate::attrs::ContractArgs;
use crate::errors::Errors;

/// Turns an actor contract into its typed client, server trait, dispatch, events and schema;
/// on `impl <Name>Actor for State`, connects the implementation to the runtime.
///
/// # The contract
///
/// ```
/// use actorium::prelude::*;
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// /// A chat message.
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
/// pub struct Message { pub sender: String, pub text: String }
///
/// /// One chat room (wire name "chatRoom").
/// #[actorium::actor]
/// pub trait ChatRoom {
///     /// Appends a message and broadcasts it (wire name "sendMessage").
///     async fn send_message(sender: String, text: String) -> Message;
///     /// The whole history.
///     async fn get_history() -> Vec<Message>;
///     /// Broadcast on every new message (wire name "newMessage").
///     #[event]
///     fn new_message(message: Message);
/// }
///
/// /// The implementation: the state type, its actions and (optionally) lifecycle hooks.
/// #[derive(Default, Serialize, Deserialize, JsonSchema)]
/// pub struct Room { messages: Vec<Message> }
///
/// #[actorium::actor]
/// impl ChatRoomActor for Room {
///     async fn send_message(c: &Ctx<Self>, sender: String, text: String) -> actorium::Result<Message> {
///         let message = Message { sender, text };
///         c.state_mut().messages.push(message.clone()); // the guard ends here, before any .await
///         c.events().new_message(&message);
///         Ok(message)
///     }
///     async fn get_history(c: &Ctx<Self>) -> actorium::Result<Vec<Message>> {
///         Ok(c.state().messages.clone())
///     }
/// }
///
/// // What the contract generated:
/// assert_eq!(ChatRoomRef::NAME, "chatRoom");
/// let schema = actorium::Registry::new().with::<Room>().schema();
/// assert_eq!(schema.actors[0].actions[0].name, "sendMessage");
/// # let _ = run;
/// // A client, anywhere (here against a server at `endpoint`):
/// async fn run(endpoint: &str) -> Result<(), actorium::CallError> {
///     let client = actorium::Client::new(endpoint);
///     let room = client.get_or_create::<ChatRoomRef>(["general"]);
///     let id = room.resolve().await?;
///     let sent = client.get_for_id::<ChatRoomRef>(&id).send_message("alice", "hi").await?;
///     assert_eq!(sent.text, "hi");
///     let conn = room.connect().await?;
///     let mut messages = conn.new_message(); // a Stream<Item = Message>
///     # let _ = &mut messages;
///     Ok(())
/// }
/// ```
///
/// # What it generates
///
/// For `trait ChatRoom` (wire name `chatRoom`, by RivetKit's convention; override with
/// `#[actor(name = "...")]`):
///
/// | item | what it is |
/// |---|---|
/// | `ChatRoomRef` | marker naming the actor in typed accessors: `client.get::<ChatRoomRef>(key)`, `get_or_create`, `create`, `get_for_id` |
/// | `ChatRoomHandle` | typed handle: `resolve()`, `connect()`, `with_params(&P)`, and one `async fn` per action returning `Result<T, CallError>` (`String` parameters accept `impl Into<String>`) |
/// | `ChatRoomConnection` | a WebSocket connection: the same action methods, one `Stream` per event (`new_message()`), `dispose()` |
/// | `ChatRoomActor` | the server trait: one `fn name(c: &Ctx<Self>, args..) -> impl Future<Output = actorium::Result<T>> + Send` per action (write them as `async fn`) |
/// | `ChatRoomEvents` | typed broadcasts, reached as `c.events()` inside the implementation |
///
/// plus a hidden dispatch (wire name → CBOR arguments → typed call → CBOR output) and the
/// actor's schema (parameter names and JSON Schemas, return schemas, events, input, connection
/// params and state), printed by the serve helper's `schema` subcommand. The server parts are
/// compiled only when the `actorium` dependency has its `server` feature, so a contract crate
/// builds for a client alone with `default-features = false, features = ["client"]`.
///
/// # Attributes
///
/// - On the trait: `#[actor(name = "chatRoom", input = MyInput, conn_params = MyParams,
///   crate = "::my_actorium")]`; every argument is optional. `input` is the creation input
///   (`create::<M>(key, input)`, `get_or_create` with input); `conn_params` the connection params.
/// - On an action: `#[action(name = "wireName")]`; on an event: `#[event]` or
///   `#[event(name = "wireName")]`. Doc comments are carried onto the generated methods.
/// - On the implementation: `#[actor]` (and `crate = ...` when renamed). Write lifecycle hooks
///   (`create_state`, `on_create`, `create_vars`, `on_wake`, `on_sleep`, `on_state_change`,
///   `on_before_connect`, `create_conn_state`, `on_connect`, `on_disconnect`, `on_request`,
///   `on_websocket`, `on_websocket_message`, `on_websocket_close`, `on_destroy`, `options`) and
///   `type Vars = ...; type ConnState = ...;` beside the actions when you need them; without
///   `create_state` the state starts as `Default::default()`.
///
/// # Lifecycle hooks
///
/// Write any of these beside the actions in `#[actorium::actor] impl <Name>Actor for State`;
/// each has a no-op default (`create_state`'s is `Default::default()`). Every `async` hook
/// returns `actorium::Result<_>`; an error from `on_before_connect` rejects the connection and
/// reaches the client. `Input` and `ConnParams` are the contract's `input = ...` and
/// `conn_params = ...` types (`()` when not given); `Vars` and `ConnState` are declared in the
/// implementation as `type Vars = ...;` / `type ConnState = ...;` (default `()`).
///
/// | hook | signature | when it runs |
/// |---|---|---|
/// | `create_state` | `async fn create_state(c: &InitCtx<'_>, input: Option<Self::Input>) -> Result<Self>` | once, when the actor is created (first `getOrCreate`/`create`); there is no state yet |
/// | `on_create` | `async fn on_create(c: &Ctx<Self>, input: Option<Self::Input>) -> Result<()>` | once, after `create_state`; committed with the creation |
/// | `create_vars` | `async fn create_vars(c: &Ctx<Self>) -> Result<Self::Vars>` | on every wake, before `on_wake` (vars are ephemeral, never persisted) |
/// | `on_wake` | `async fn on_wake(c: &Ctx<Self>) -> Result<()>` | on every wake: after creation, after sleep, after a server restart |
/// | `on_sleep` | `async fn on_sleep(c: &Ctx<Self>) -> Result<()>` | before the actor leaves memory (idle, `c.sleep()`, server shutdown); its state changes are committed |
/// | `on_state_change` | `fn on_state_change(c: &Ctx<Self>)` (not `async`) | after each turn that changed the state was committed, before that turn's replies and events leave |
/// | `on_before_connect` | `async fn on_before_connect(c: &Ctx<Self>, params: Option<&Self::ConnParams>) -> Result<()>` | admission of every connection (WebSocket, and the ephemeral one of each HTTP action); an error rejects it |
/// | `create_conn_state` | `async fn create_conn_state(c: &Ctx<Self>, params: Option<&Self::ConnParams>) -> Result<Self::ConnState>` | after admission, builds the connection's state |
/// | `on_connect` | `async fn on_connect(c: &Ctx<Self>, conn: &Conn<Self>) -> Result<()>` | a connection is established: a WebSocket (before its `Init`), or the ephemeral connection of an HTTP action (before the action) |
/// | `on_disconnect` | `async fn on_disconnect(c: &Ctx<Self>, conn: &Conn<Self>) -> Result<()>` | a WebSocket connection closed, or an HTTP action's connection after its action |
/// | `on_request` | `async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> Result<HttpResponse>` (`actorium::raw_http`) | a raw HTTP request to `{gateway}/request/{path}`, on an ephemeral connection like an HTTP action; a turn (state committed before the response leaves); without it the actor answers 404 |
/// | `on_websocket` | `async fn on_websocket(c: &Ctx<Self>, socket: &Arc<RawSocket>) -> Result<()>` (`actorium::raw_ws`) | a raw WebSocket at `{gateway}/websocket/{path}` opened, after `on_before_connect` admitted it; an error closes it with 1011; without it every raw WebSocket is refused |
/// | `on_websocket_message` | `async fn on_websocket_message(c: &Ctx<Self>, socket: &Arc<RawSocket>, message: WsMessage) -> Result<()>` | each text or binary message of a raw WebSocket, as a turn (`socket.send(..)` leaves after the commit) |
/// | `on_websocket_close` | `async fn on_websocket_close(c: &Ctx<Self>, socket: &Arc<RawSocket>, code: u16, reason: &str) -> Result<()>` | a raw WebSocket closed (1006 if the client just went away) |
/// | `on_destroy` | `async fn on_destroy(c: &Ctx<Self>) -> Result<()>` | `c.destroy()` or `DELETE /actors/{id}`; then the state, timers and key are deleted |
/// | `options` | `fn options() -> ActorOptions` (not `async`) | read by the host for this actor type: its own action timeout and sleep timeout, overriding the server's, and whether its connections hibernate (`ActorOptions::hibernate_connections`: they stay open while it sleeps) |
///
/// A method named within two edits of a hook (`on_conect`) is a compile error naming the
/// hook it resembles and listing them all, so an action cannot be named that close to one.
///
/// ```
/// use actorium::prelude::*;
/// # use serde::{Deserialize, Serialize};
/// # #[actorium::actor] pub trait Lobby { async fn who() -> Vec<String>; }
/// #[derive(Default, Serialize, Deserialize, schemars::JsonSchema)]
/// pub struct LobbyState { visits: u64 }
///
/// #[actorium::actor]
/// impl LobbyActor for LobbyState {
///     type Vars = Vec<String>;          // ephemeral: the names of the open connections
///     type ConnState = String;
///
///     async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
///         c.state_mut().visits += 1;
///         Ok(())
///     }
///     async fn create_conn_state(_: &Ctx<Self>, _: Option<&()>) -> actorium::Result<String> {
///         Ok("guest".into())
///     }
///     async fn on_connect(c: &Ctx<Self>, conn: &Conn<Self>) -> actorium::Result<()> {
///         let _ = (c.vars(), conn.id(), conn.state().clone());
///         Ok(())
///     }
///     async fn who(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
///         Ok(c.conns().iter().map(|conn| conn.state().clone()).collect())
///     }
/// }
/// ```
///
/// # The context
///
/// Actions and hooks get `c: &Ctx<Self>` (`create_state` gets `&InitCtx<'_>`, identity only).
/// The code between two `.await`s runs alone: the actor's other actions interleave only at
/// `.await` points.
///
/// | call | signature | what it does |
/// |---|---|---|
/// | identity | `c.key() -> &ActorKey`, `c.actor_id() -> &str`, `c.name() -> &str`, `c.meta() -> &ActorMeta` | who the actor is (`InitCtx` has the first three) |
/// | read state | `c.state() -> StateRef<'_, Self>` | a guard that derefs to the state |
/// | write state | `c.state_mut() -> StateMut<'_, Self>` | a guard that derefs mutably; the change is committed at the end of the turn, before any reply or event of the turn leaves |
/// | vars | `c.vars() -> &Self::Vars` | the ephemeral values `create_vars` built |
/// | events | `c.events() -> <Name>Events<'_, Self>` | typed broadcasts, one method per `#[event]` (`c.events().new_message(&m)`), to subscribed connections after the commit |
/// | untyped events | `c.broadcast(name: &str, args: Vec<Value>)` | a broadcast by wire name |
/// | connections | `c.conns() -> Vec<Arc<Conn<Self>>>`, `c.conn() -> Option<Arc<Conn<Self>>>` | the open WebSocket connections; the connection the current action came in on |
/// | one connection | `conn.id() -> &str`, `conn.params() -> Option<&Self::ConnParams>`, `conn.state() / conn.state_mut()`, `conn.is_subscribed(event: &str) -> bool`, `conn.send(name: &str, args: Vec<Value>)` | a `Conn<Self>`: its id, params, ephemeral state, subscriptions; an event to it alone |
/// | timers | `c.schedule().after(delay: Duration, action: &str, args: Vec<Value>) -> String`, `.at(when: SystemTime, ..) -> String`, `.cancel(timer_id: &str)` | durable: call one of the actor's own actions later, even after a restart |
/// | other actors | `c.client() -> &Client` | the same client as outside (`c.client().get_or_create::<OtherRef>(key).action(..).await`), in-process for actors hosted here |
/// | files | `c.data_dir() -> &Path` | the server's directory for the actors' own files (`--data-dir`) |
/// | sleep, destroy | `c.sleep()`, `c.destroy()` | after the current turn: put the actor to sleep; destroy it (`on_destroy`, then its state, timers and key are deleted) |
///
/// Errors: actions return `actorium::Result<T>`; `Err(UserError::new("code", "message").into())`
/// reaches every client as group `"user"`; `?` on other errors gives an internal error (logged,
/// not sent). Values (`Value`, argument lists) come from `actorium::protocol::Value`.
///
/// **State guards and `.await`.** `StateRef`/`StateMut` are not `Send`: a guard still alive at
/// an `.await` (where the actor's other actions may run) is a compile error. Read what you need
/// into locals, or scope the guard in a block that ends before the `.await`:
///
/// ```
/// # use actorium::prelude::*;
/// # #[actorium::actor] pub trait Counter { async fn add(by: i64) -> i64; }
/// # #[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
/// # pub struct State { count: i64 }
/// # #[actorium::actor]
/// # impl CounterActor for State {
/// async fn add(c: &Ctx<Self>, by: i64) -> actorium::Result<i64> {
///     let count = {
///         let mut state = c.state_mut();
///         state.count += by;
///         state.count
///     };                                     // the guard ends here
///     std::future::ready(()).await;          // other actions may run here
///     Ok(count)
/// }
/// # }
/// ```
///
/// `let state = c.state_mut();` followed by an `.await` in the same block is reported by the
/// macro with that advice; a guard kept alive some other way (a temporary in the same
/// statement as the `.await`) gets the compiler's "future cannot be sent between threads
/// safely" naming `StateMut`/`StateRef`.
///
/// Mistakes are compile errors at the offending span: non-async or generic actions, receivers,
/// reference, `impl Trait` or pattern parameters, duplicate wire names, actions named like handle
/// methods (`resolve`, `connect`, ...), events with a body or a return type, unknown or bad
/// attribute arguments, value types without serde support, misspelled hooks, and a state guard
/// bound with `let` that is still alive at an `.await`.
#[proc_macro_attribute]
pub fn actor(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let attr = proc_macro2::TokenStream::from(attr);
    let out = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Trait(t)) => contract(attr, t),
        Ok(Item::Impl(i)) => {
            let mut errors = Errors::default();
            let krate = ContractArgs::parse(attr, &mut errors)
                .krate
                .unwrap_or_else(actorium_path);
            let out = impl_block::expand(i, krate, &mut errors);
            let errs = errors.into_compile_errors();
            quote!(#errs #out)
        }
        Ok(other) => {
            let err = syn::Error::new_spanned(
                &other,
                "`#[actor]` goes on a trait (the contract) or on `impl <Contract>Actor for State`",
            )
            .to_compile_error();
            quote!(#err #other)
        }
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #item)
        }
    };
    out.into()
}

fn contract(attr: proc_macro2::TokenStream, item: ItemTrait) -> proc_macro2::TokenStream {
    let mut errors = Errors::default();
    let mut args = ContractArgs::parse(attr, &mut errors);
    let krate = args.krate.take().unwrap_or_else(actorium_path);
    let model = model::Contract::parse(args, &item, &mut errors);
    check::check(&model, &mut errors);
    if errors.is_empty() {
        return expand::expand(&model, krate);
    }
    // Keep the user's trait (without our attributes) beside the errors, so that code using it
    // does not drown the real mistakes in follow-up errors.
    let mut item = item;
    for it in &mut item.items {
        if let TraitItem::Fn(f) = it {
            f.attrs
                .retain(|a| !a.path().is_ident("event") && !a.path().is_ident("action"));
        }
    }
    let errs = errors.into_compile_errors();
    quote! {
        #errs
        #[allow(async_fn_in_trait, dead_code)]
        #item
    }
}

/// The path of the `actorium` crate as the calling crate names it (it may be renamed).
fn actorium_path() -> Path {
    use proc_macro_crate::{FoundCrate, crate_name};
    let name = match crate_name("actorium") {
        Ok(FoundCrate::Name(name)) => name,
        // Inside actorium itself (its tests and doc tests) the crate is `::actorium` too.
        Ok(FoundCrate::Itself) | Err(_) => "actorium".to_string(),
    };
    let ident = syn::Ident::new(&name, Span::call_site());
    syn::parse_quote!(::#ident)
}
