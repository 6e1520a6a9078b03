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
///   `on_before_connect`, `create_conn_state`, `on_connect`, `on_disconnect`, `on_destroy`, `options`) and
///   `type Vars = ...; type ConnState = ...;` beside the actions when you need them; without
///   `create_state` the state starts as `Default::default()`.
///
/// Mistakes are compile errors at the offending span: non-async or generic actions, receivers,
/// reference, `impl Trait` or pattern parameters, duplicate wire names, actions named like handle
/// methods (`resolve`, `connect`, ...), events with a body or a return type, unknown or bad
/// attribute arguments, and value types without serde support.
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
