//! The event subscriptions of one WebSocket connection, under the front door's limits: at most
//! [`Limits::max_subscriptions`] names (declared or not: the official client may subscribe to
//! any name) of at most [`Limits::max_event_name`] bytes, so that a connection cannot make the
//! server hold more than their product.

use std::collections::HashSet;

use actorium_protocol::WireError;

use super::Limits;

/// The names one connection is subscribed to, as the front door forwarded them.
pub(crate) struct Subscriptions {
    names: HashSet<String>,
    max: usize,
    max_name: usize,
}

impl Subscriptions {
    pub(crate) fn new(limits: &Limits) -> Self {
        Subscriptions {
            names: HashSet::new(),
            max: limits.max_subscriptions,
            max_name: limits.max_event_name,
        }
    }

    /// Handles a `SubscriptionRequest`: checks it and passes it on with `forward` (the
    /// actor's subscription set follows this one). An unsubscribe from a name not subscribed
    /// is a no-op; an error leaves both sets as they were.
    pub(crate) fn request(
        &mut self,
        name: String,
        subscribe: bool,
        forward: impl FnOnce(String, bool) -> Result<(), WireError>,
    ) -> Result<(), WireError> {
        if !subscribe {
            if self.names.contains(&name) {
                forward(name.clone(), false)?;
                self.names.remove(&name);
            }
            return Ok(());
        }
        if self.names.contains(&name) {
            return Ok(());
        }
        if name.len() > self.max_name {
            return Err(WireError::invalid_request(format!(
                "Event name of {} bytes exceeds the limit of {} bytes.",
                name.len(),
                self.max_name
            )));
        }
        if self.names.len() >= self.max {
            return Err(WireError::too_many_subscriptions(self.max));
        }
        forward(name.clone(), true)?;
        self.names.insert(name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(max: usize, max_name: usize) -> Subscriptions {
        Subscriptions::new(
            &Limits::default()
                .max_subscriptions(max)
                .max_event_name(max_name),
        )
    }

    #[test]
    fn caps_names_and_their_length() {
        let mut s = subs(2, 8);
        let mut forwarded = Vec::new();
        let mut fwd = |n: &str, on: bool| {
            s.request(n.to_string(), on, |n, on| {
                forwarded.push((n, on));
                Ok(())
            })
        };
        assert!(fwd("a", true).is_ok());
        assert!(
            fwd("a", true).is_ok(),
            "a repeat is not a second subscription"
        );
        assert!(fwd("b", true).is_ok());
        let e = fwd("c", true).unwrap_err();
        assert_eq!(e.code, "too_many_subscriptions");
        assert!(fwd("nine-byte", true).is_err());
        assert!(
            fwd("zzz", false).is_ok(),
            "unknown names unsubscribe as a no-op"
        );
        assert!(fwd("a", false).is_ok());
        assert!(fwd("c", true).is_ok(), "room again after an unsubscribe");
        assert_eq!(
            forwarded,
            [
                ("a".to_string(), true),
                ("b".into(), true),
                ("a".into(), false),
                ("c".into(), true)
            ]
        );
    }

    #[test]
    fn a_refused_forward_changes_nothing() {
        let mut s = subs(1, 8);
        let e = s
            .request("a".into(), true, |_, _| Err(WireError::overloaded()))
            .unwrap_err();
        assert_eq!(e.code, "overloaded");
        assert!(s.request("b".into(), true, |_, _| Ok(())).is_ok());
    }
}
