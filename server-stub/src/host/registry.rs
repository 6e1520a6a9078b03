//! [`Registry`]: the actor implementations a server hosts.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use actorium_protocol::schema::{ActorSchema, RegistrySchema};

use super::Host;
use super::instance::{self, Start};
use super::mailbox::MailboxRx;
use crate::actor::{Actor, ActorOptions};
use crate::meta::ActorMeta;

/// Starts instances of one actor type (type-erased).
pub(crate) trait Factory: Send + Sync + 'static {
    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> ActorSchema;
    fn options(&self) -> ActorOptions;
    fn spawn(&self, host: Host, meta: Arc<ActorMeta>, start: Start, rx: MailboxRx, slot: u64);
}

struct TypedFactory<A>(PhantomData<fn() -> A>);

impl<A: Actor> Factory for TypedFactory<A> {
    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> ActorSchema {
        A::schema(generator)
    }

    fn options(&self) -> ActorOptions {
        A::options()
    }

    fn spawn(&self, host: Host, meta: Arc<ActorMeta>, start: Start, rx: MailboxRx, slot: u64) {
        tokio::spawn(instance::run::<A>(host, meta, start, rx, slot));
    }
}

/// The actor implementations a server hosts, by wire name.
///
/// ```
/// # use actorium_server::Registry;
/// let registry = Registry::new(); // .with::<Counter>().with::<ChatRoom>()
/// assert_eq!(registry.names().count(), 0);
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    factories: BTreeMap<&'static str, Arc<dyn Factory>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds actor `A` (builder form). Panics if another actor has the same wire name.
    pub fn with<A: Actor>(mut self) -> Self {
        self.register::<A>();
        self
    }

    /// Adds actor `A`. Panics if another actor has the same wire name.
    pub fn register<A: Actor>(&mut self) -> &mut Self {
        let previous = self
            .factories
            .insert(A::NAME, Arc::new(TypedFactory::<A>(PhantomData)));
        assert!(
            previous.is_none(),
            "two actors are registered with the wire name `{}`",
            A::NAME
        );
        self
    }

    /// The wire names of the registered actors, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.factories.keys().copied()
    }

    /// Whether an actor named `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.factories.contains_key(name)
    }

    pub(crate) fn factory(&self, name: &str) -> Option<&Arc<dyn Factory>> {
        self.factories.get(name)
    }

    /// The registry's schema document: every actor's [`Actor::schema`], sorted by name, with
    /// the named types they share under `$defs` (JSON Schema draft 2020-12).
    pub fn schema(&self) -> RegistrySchema {
        let mut generator =
            schemars::SchemaGenerator::new(schemars::generate::SchemaSettings::draft2020_12());
        let mut doc = RegistrySchema::new();
        doc.actors = self
            .factories
            .values()
            .map(|f| f.schema(&mut generator))
            .collect();
        doc.definitions = generator.take_definitions(true).into_iter().collect();
        doc.normalize();
        doc
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}
