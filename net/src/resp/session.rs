//! What a connection answers itself, as Redis does: `PING`, `ECHO`, `QUIT`, `AUTH`, `HELLO`,
//! `SELECT`, `CLIENT`, `COMMAND`, `CONFIG GET`, `INFO`; and the gate that keeps a client that
//! has not authenticated from everything else.

use std::sync::Arc;

use bytes::Bytes;
use subtle::ConstantTimeEq;

use super::{Command, CommandInfo, Frame, Shared};

/// What a session makes of a command.
pub enum Answer {
    /// The reply, known now.
    Reply(Frame),
    /// The reply, then close the connection.
    Close(Frame),
    /// The service answers it.
    Service,
}

/// One client's state: who it is, and whether it may use the service yet.
pub struct Session {
    shared: Arc<Shared>,
    id: u64,
    name: Option<Bytes>,
    authenticated: bool,
}

impl Session {
    pub(super) fn new(shared: &Arc<Shared>, id: u64) -> Session {
        Session {
            shared: Arc::clone(shared),
            id,
            name: None,
            authenticated: shared.settings.password.is_none(),
        }
    }

    /// Answers `command` if it is the connection's business, or says the service must.
    pub fn answer(&mut self, command: &Command) -> Answer {
        let args = command.args();
        if command.is("AUTH") {
            return Answer::Reply(self.auth(args));
        }
        if command.is("HELLO") {
            return Answer::Reply(self.hello(args));
        }
        if command.is("QUIT") {
            return Answer::Close(ok());
        }
        if !self.authenticated {
            return Answer::Reply(error("NOAUTH Authentication required."));
        }
        let reply = if command.is("PING") {
            match args {
                [] => Frame::SimpleString(Bytes::from_static(b"PONG")),
                [message] => Frame::BulkString(message.clone()),
                _ => arity(command),
            }
        } else if command.is("ECHO") {
            match args {
                [message] => Frame::BulkString(message.clone()),
                _ => arity(command),
            }
        } else if command.is("SELECT") {
            match args {
                [db] if db.as_ref() == b"0" => ok(),
                [_] => error("ERR DB index is out of range"),
                _ => arity(command),
            }
        } else if command.is("CLIENT") {
            self.client(command)
        } else if command.is("COMMAND") {
            self.command(command)
        } else if command.is("CONFIG") {
            config(command, &self.shared)
        } else if command.is("INFO") {
            info(
                self.shared
                    .clients
                    .load(std::sync::atomic::Ordering::Relaxed),
            )
        } else {
            return Answer::Service;
        };
        Answer::Reply(reply)
    }

    /// `AUTH password` or `AUTH default password`.
    fn auth(&mut self, args: &[Bytes]) -> Frame {
        let Some(password) = &self.shared.settings.password else {
            return error(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?",
            );
        };
        let given = match args {
            [password] => password,
            [user, password] if user.as_ref() == b"default" => password,
            [_, _] => return error(WRONGPASS),
            _ => return error("ERR wrong number of arguments for 'auth' command"),
        };
        // In constant time, as net's tokens: how long a wrong guess takes says nothing.
        if bool::from(given.as_ref().ct_eq(password.as_bytes())) {
            self.authenticated = true;
            ok()
        } else {
            self.authenticated = false;
            error(WRONGPASS)
        }
    }

    /// `HELLO [2 [AUTH user password] [SETNAME name]]`: only RESP2 is spoken.
    fn hello(&mut self, args: &[Bytes]) -> Frame {
        let mut rest = args;
        if let [version, more @ ..] = rest {
            match std::str::from_utf8(version)
                .ok()
                .and_then(|v| v.parse::<i64>().ok())
            {
                Some(2) => {}
                Some(_) => return error("NOPROTO unsupported protocol version"),
                None => return error("ERR Protocol version is not an integer or out of range"),
            }
            rest = more;
        }
        let mut name = None;
        while let [option, more @ ..] = rest {
            if option.eq_ignore_ascii_case(b"AUTH") {
                let [user, password, more @ ..] = more else {
                    return error("ERR Syntax error in HELLO option 'auth'");
                };
                let reply = self.auth(&[user.clone(), password.clone()]);
                if matches!(reply, Frame::Error(_)) {
                    return reply;
                }
                rest = more;
            } else if option.eq_ignore_ascii_case(b"SETNAME") {
                let [given, more @ ..] = more else {
                    return error("ERR Syntax error in HELLO option 'setname'");
                };
                name = Some(given.clone());
                rest = more;
            } else {
                return error("ERR Syntax error in HELLO option");
            }
        }
        if !self.authenticated {
            return error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise \
                 the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the \
                 client and select the RESP protocol version at the same time",
            );
        }
        if name.is_some() {
            self.name = name;
        }
        let pairs = [
            ("server", bulk("redis")),
            ("version", bulk(REDIS_VERSION)),
            ("proto", Frame::Integer(2)),
            ("id", Frame::Integer(self.id as i64)),
            ("mode", bulk("standalone")),
            ("role", bulk("master")),
            ("modules", Frame::Array(Vec::new())),
        ];
        Frame::Array(
            pairs
                .into_iter()
                .flat_map(|(key, value)| [bulk(key), value])
                .collect(),
        )
    }

    /// `CLIENT SETNAME | GETNAME | SETINFO | ID | INFO`.
    fn client(&mut self, command: &Command) -> Frame {
        let args = command.args();
        let Some(sub) = args.first() else {
            return arity(command);
        };
        let is = |name: &str| sub.eq_ignore_ascii_case(name.as_bytes());
        match &args[1..] {
            [name] if is("SETNAME") => {
                if name.iter().any(|b| *b <= b' ' || *b > b'~') {
                    return error(
                        "ERR Client names cannot contain spaces, newlines or special characters.",
                    );
                }
                self.name = (!name.is_empty()).then(|| name.clone());
                ok()
            }
            [] if is("GETNAME") => self.name.clone().map_or(Frame::Null, Frame::BulkString),
            [_, _] if is("SETINFO") => ok(),
            [] if is("ID") => Frame::Integer(self.id as i64),
            [] if is("INFO") => {
                let name = self.name.as_deref().map(String::from_utf8_lossy);
                bulk(&format!(
                    "id={} name={}\n",
                    self.id,
                    name.unwrap_or_default()
                ))
            }
            _ => unknown_subcommand(command),
        }
    }

    /// `COMMAND`, `COMMAND COUNT | INFO names.. | DOCS [names..] | LIST`.
    fn command(&self, command: &Command) -> Frame {
        let all = || LOCAL.iter().chain(self.shared.commands.iter());
        let args = command.args();
        let Some(sub) = args.first() else {
            return Frame::Array(all().map(describe).collect());
        };
        let is = |name: &str| sub.eq_ignore_ascii_case(name.as_bytes());
        let find =
            |name: &Bytes| all().find(|info| name.eq_ignore_ascii_case(info.name.as_bytes()));
        if is("COUNT") {
            Frame::Integer(all().count() as i64)
        } else if is("LIST") {
            Frame::Array(all().map(|info| bulk(info.name)).collect())
        } else if is("INFO") {
            let named = args[1..]
                .iter()
                .map(|name| find(name).map_or(Frame::Null, describe));
            Frame::Array(named.collect())
        } else if is("DOCS") {
            // Redis's docs are a map of summaries; a client that asks only uses them for
            // hints, and an empty map says there are none.
            Frame::Array(Vec::new())
        } else {
            unknown_subcommand(command)
        }
    }
}

/// `CONFIG GET pattern..`: the few settings clients ask for (redis-benchmark asks for `save`
/// and `appendonly` on connecting); `CONFIG SET` and the rest are refused.
fn config(command: &Command, shared: &Shared) -> Frame {
    let args = command.args();
    let Some(sub) = args.first() else {
        return arity(command);
    };
    if !sub.eq_ignore_ascii_case(b"GET") {
        return error(
            "ERR CONFIG subcommands other than GET are not supported: settings are given when the server starts",
        );
    }
    if args.len() < 2 {
        return arity(command);
    }
    let settings = &shared.settings;
    let values = [
        ("save", String::new()),
        ("appendonly", "no".to_string()),
        ("databases", "1".to_string()),
        ("port", settings.address.port().to_string()),
        ("bind", settings.address.ip().to_string()),
        ("protected-mode", yes_no(settings.protected)),
        ("maxclients", settings.limits.clients.to_string()),
        ("proto-max-bulk-len", settings.limits.bulk.to_string()),
        (
            "tls-port",
            if settings.tls.is_some() {
                settings.address.port()
            } else {
                0
            }
            .to_string(),
        ),
    ];
    let mut pairs = Vec::new();
    for (name, value) in &values {
        if args[1..]
            .iter()
            .any(|pattern| crate::glob::matches(pattern, name.as_bytes()))
        {
            pairs.push(bulk(name));
            pairs.push(bulk(value));
        }
    }
    Frame::Array(pairs)
}

fn info(clients: usize) -> Frame {
    bulk(&format!(
        "# Server\r\nredis_version:{REDIS_VERSION}\r\nblossom_version:{}\r\nredis_mode:standalone\r\n\
         \r\n# Clients\r\nconnected_clients:{clients}\r\n",
        env!("CARGO_PKG_VERSION")
    ))
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_string()
}

/// The Redis version the front end answers as: the command set and replies of Redis 7.0.
pub const REDIS_VERSION: &str = "7.0.0";

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// The commands a session answers itself.
const LOCAL: &[CommandInfo] = &[
    info_of(
        "auth",
        -2,
        &["noscript", "loading", "stale", "fast", "no_auth"],
    ),
    info_of("client", -2, &["noscript", "loading", "stale"]),
    info_of("command", -1, &["loading", "stale"]),
    info_of("config", -2, &["admin", "noscript", "loading", "stale"]),
    info_of("echo", 2, &["fast"]),
    info_of(
        "hello",
        -1,
        &["noscript", "loading", "stale", "fast", "no_auth"],
    ),
    info_of("info", -1, &["loading", "stale"]),
    info_of("ping", -1, &["fast"]),
    info_of(
        "quit",
        -1,
        &["noscript", "loading", "stale", "fast", "no_auth"],
    ),
    info_of("select", 2, &["loading", "stale", "fast"]),
];

const fn info_of(name: &'static str, arity: i64, flags: &'static [&'static str]) -> CommandInfo {
    CommandInfo {
        name,
        arity,
        flags,
        keys: (0, 0, 0),
    }
}

/// A command's entry in `COMMAND`'s reply, in Redis 7's shape.
fn describe(info: &CommandInfo) -> Frame {
    let (first, last, step) = info.keys;
    Frame::Array(vec![
        bulk(info.name),
        Frame::Integer(info.arity),
        Frame::Array(info.flags.iter().map(|flag| status(flag)).collect()),
        Frame::Integer(first),
        Frame::Integer(last),
        Frame::Integer(step),
        Frame::Array(Vec::new()),
        Frame::Array(Vec::new()),
        Frame::Array(Vec::new()),
        Frame::Array(Vec::new()),
    ])
}

/// `+OK`.
pub fn ok() -> Frame {
    Frame::SimpleString(Bytes::from_static(b"OK"))
}

/// A simple string reply.
pub fn status(text: &str) -> Frame {
    Frame::SimpleString(Bytes::copy_from_slice(text.as_bytes()))
}

/// A bulk string reply.
pub fn bulk(text: &str) -> Frame {
    Frame::BulkString(Bytes::copy_from_slice(text.as_bytes()))
}

/// An error reply; `text` starts with its code (`ERR`, `WRONGTYPE`, ..).
pub fn error(text: &str) -> Frame {
    Frame::Error(text.into())
}

/// Redis's reply to a command with the wrong number of arguments.
pub fn arity(command: &Command) -> Frame {
    error(&format!(
        "ERR wrong number of arguments for '{}' command",
        command.lower_name()
    ))
}

/// Redis's reply to a command it does not know.
pub fn unknown_command(command: &Command) -> Frame {
    let mut text = format!(
        "ERR unknown command '{}', with args beginning with: ",
        printable(command.name())
    );
    for arg in command.args().iter().take(10) {
        text.push_str(&format!("'{}' ", printable(arg)));
    }
    error(&text)
}

fn unknown_subcommand(command: &Command) -> Frame {
    let sub = command
        .args()
        .first()
        .map(|s| printable(s))
        .unwrap_or_default();
    error(&format!(
        "ERR unknown subcommand '{sub}'. Try {} HELP.",
        command.lower_name().to_uppercase()
    ))
}

/// At most 128 characters of `bytes`, lossily: what an error message quotes of a client's words.
fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(128)]).into_owned()
}
