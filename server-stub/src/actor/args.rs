//! [`Args`]: how generated dispatch reads an action's positional arguments, and [`to_value`].

use actorium_protocol::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ActorError, Result};

/// Positional arguments of one action call, taken one by one with serde.
///
/// A missing trailing argument reads as `null` (so `Option<T>` parameters may be omitted, as in
/// JavaScript); a value that does not deserialize is [`ActorError::invalid_args`].
#[derive(Debug)]
pub struct Args<'a> {
    action: &'a str,
    values: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'a> Args<'a> {
    /// The arguments of a call to `action`.
    pub fn new(action: &'a str, values: Vec<Value>) -> Self {
        Args {
            action,
            values: values.into_iter(),
            index: 0,
        }
    }

    /// The next argument, deserialized. An error names the argument by position
    /// (`argument 1 of `greet`: ...`); [`Args::next_named`] names the parameter too.
    #[allow(clippy::should_implement_trait)] // hand-written dispatch calls `args.next()?`
    pub fn next<T: DeserializeOwned>(&mut self) -> Result<T> {
        self.take(None)
    }

    /// The next argument, the parameter called `name` (its wire name, as in the schema),
    /// deserialized. What generated dispatch calls: a value of the wrong type is
    /// `argument 1 (`name`) of `greet`: invalid type: integer `42`, expected str`.
    pub fn next_named<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        self.take(Some(name))
    }

    fn take<T: DeserializeOwned>(&mut self, name: Option<&str>) -> Result<T> {
        let value = self.values.next().unwrap_or(Value::Null);
        self.index += 1;
        actorium_protocol::compat::deserialize(value).map_err(|e| {
            let detail = match e {
                actorium_protocol::ProtocolError::Shape(message) => message,
                other => other.to_string(),
            };
            let (n, action) = (self.index, self.action);
            let message = match name {
                Some(name) => format!("argument {n} (`{name}`) of `{action}`: {detail}"),
                None => format!("argument {n} of `{action}`: {detail}"),
            };
            ActorError::public(actorium_protocol::WireError::invalid_request(message))
        })
    }

    /// Checks that every argument was taken (extra arguments are
    /// [`ActorError::invalid_args`]).
    pub fn finish(&mut self) -> Result<()> {
        let extra = self.values.len();
        if extra > 0 {
            return Err(ActorError::invalid_args(
                self.action,
                format!(
                    "expected {} arguments, got {}",
                    self.index,
                    self.index + extra
                ),
            ));
        }
        Ok(())
    }

    /// All remaining arguments as they are (for variadic actions).
    pub fn rest(&mut self) -> Vec<Value> {
        self.values.by_ref().collect()
    }

    /// Serializes an action's output.
    pub fn output<T: Serialize + ?Sized>(&self, value: &T) -> Result<Value> {
        to_value(value)
    }
}

/// Serializes any value into the value model (a serialization failure is an internal error).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    actorium_protocol::compat::serialize(value)
        .map_err(|e| ActorError::internal(format!("output does not serialize: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_pad_with_null_and_report_types() {
        let mut a = Args::new("f", vec![Value::Integer(3.into())]);
        assert_eq!(a.next::<i64>().unwrap(), 3);
        assert_eq!(a.next::<Option<i64>>().unwrap(), None);
        let mut a = Args::new("f", vec![Value::Text("x".into())]);
        let e = a.next::<i64>().unwrap_err().to_wire();
        assert_eq!(
            (e.group.as_str(), e.code.as_str()),
            ("actor", "invalid_request")
        );
        assert!(
            e.message
                .starts_with("argument 1 of `f`: invalid type: string \"x\", expected "),
            "{}",
            e.message
        );
        let mut a = Args::new("greet", vec![Value::Integer(42.into())]);
        let e = a.next_named::<String>("name").unwrap_err().to_wire();
        assert_eq!(
            e.message,
            "argument 1 (`name`) of `greet`: invalid type: integer `42`, expected str"
        );
        let mut a = Args::new("f", vec![Value::Null, Value::Null]);
        a.next::<Option<i64>>().unwrap();
        assert!(a.finish().is_err());
        a.rest();
        assert!(a.finish().is_ok());
    }
}
