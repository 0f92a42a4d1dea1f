//! Chat: a room and its members, each a program of its own, talking with `<~`.
//!
//! The room is node `@0`, each member a node of its own (`@1`, `@2`, ...), and every node lives
//! in a separate program, served over TCP (`blossom_net::Server`). Each program's configuration
//! says where the other nodes are served (`Config::remote`); what a channel sends to a node of
//! another program leaves through its server and arrives there as a row of the input of the
//! same name, in a later tick. A member joins by sending the room its node and name, and posts
//! by sending the room its text; the room sends every post to every member.

use blossom::Addr;

blossom::program! {
    /// The room: who joined, and every post sent on to every member.
    pub ChatRoom {
        input   join(member: Addr, name: String);
        input   post(from: Addr, text: String);
        table   member(who: Addr, name: String);
        channel said(@to: Addr, name: String, text: String);
        output  relayed(name: String, text: String);

        member(w, n) <= join(w, n);
        said(@m, n, t) <~ post(f, t), member(f, n), member(m, _);
        relayed(n, t) <= post(f, t), member(f, n);
    }
}

blossom::program! {
    /// A member: joins its room, posts what it is told to say, and hears what the room says.
    pub ChatMember {
        input   hello(room: Addr, me: Addr, name: String);
        input   say(text: String);
        input   said(name: String, text: String);
        table   room(at: Addr);
        table   me(at: Addr);
        channel join(@to: Addr, member: Addr, name: String);
        channel post(@to: Addr, from: Addr, text: String);
        output  heard(name: String, text: String);

        room(r) <= hello(r, _, _);
        me(m) <= hello(_, m, _);
        join(@r, m, n) <~ hello(r, m, n);
        post(@r, m, t) <~ say(t), room(r), me(m);
        heard(n, t) <= said(n, t);
    }
}

/// The room's node.
pub const ROOM: Addr = Addr(0);
