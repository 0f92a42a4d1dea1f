//! `chat`: a room and its members, each a Blossom program served on its own port, talking
//! through `<~` between programs.
//!
//! In three terminals:
//!
//! ```text
//! chat room   --listen 127.0.0.1:7000 --remote 1=127.0.0.1:7001 --remote 2=127.0.0.1:7002
//! chat member --listen 127.0.0.1:7001 --node 1 --name ann --remote 0=127.0.0.1:7000
//! chat member --listen 127.0.0.1:7002 --node 2 --name bob --remote 0=127.0.0.1:7000
//! ```
//!
//! A member posts each line typed on its stdin and prints `name: text` for every post the room
//! sends it (its own included); it leaves when stdin ends. The room prints every post it
//! relays. `--remote NODE=host:port` says where another node's program is served; the room is
//! node 0. The room can run as a cluster (`blossom launch -n 2 -- chat room ...`): process 0
//! serves, the others tick with it.
//!
//! `--token T` (or `--token-file FILE`) on each of them makes every program serve only clients
//! and links that send the token, and send it on their own links: give all of them the same.

use std::net::TcpListener;
use std::time::Duration;

use anyhow::Context;
use blossom::{Addr, Config, Served};
use blossom_examples::chat::{ChatMember, ChatRoom, ROOM};
use blossom_net::{Client, Retry, Server, Token, TokenArgs};
use clap::{Parser, Subcommand};
use tokio::io::AsyncBufReadExt;

/// A chat room and its members, each a Blossom program, linked by `<~` over TCP.
#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    role: Role,
}

#[derive(Subcommand)]
enum Role {
    /// The room (node 0): relays every post to every member.
    Room {
        /// Where to serve.
        #[arg(long, default_value = "127.0.0.1:7000")]
        listen: String,
        #[command(flatten)]
        token: TokenArgs,
    },
    /// A member: posts the lines of stdin, prints what the room sends.
    Member {
        /// Where to serve (the room sends here).
        #[arg(long)]
        listen: String,
        /// This member's node (1, 2, ...): the room's `--remote` for it names `--listen`.
        #[arg(long)]
        node: u32,
        /// The name others see.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        token: TokenArgs,
    },
}

fn main() -> std::process::ExitCode {
    blossom_examples::log_to_stderr();
    blossom_examples::exit("chat", run())
}

fn run() -> anyhow::Result<()> {
    let (config, rest) = Config::from_args(std::env::args())?;
    match Args::parse_from(rest).role {
        Role::Room { listen, token } => room(&config, &listen, token.token()?),
        Role::Member {
            listen,
            node,
            name,
            token,
        } => member(&config, &listen, Addr(node), name, token.token()?),
    }
}

/// Serves the room, printing what it relays (process 0 of a cluster; the others follow).
fn room(config: &Config, listen: &str, token: Option<Token>) -> anyhow::Result<()> {
    let room = ChatRoom::with_config(config)?;
    if room.process() != 0 {
        Server::new(room).serve(TcpListener::bind("127.0.0.1:0")?)?;
        return Ok(());
    }
    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let printer = std::thread::spawn({
        let token = token.clone();
        move || print_relayed(address, token)
    });
    eprintln!("chat room serving on {address}");
    Server::new(room).token(token).serve(listener)?;
    let _ = printer.join();
    Ok(())
}

/// Prints `name: text` for each post the room relays.
fn print_relayed(address: std::net::SocketAddr, token: Option<Token>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = Client::connect_with(address, Retry::default(), token.as_ref()).await?;
        let mut relayed = client.subscribe(ChatRoom::RELAYED).await?;
        while let Some(change) = relayed.next().await {
            for (_, name, text) in change?.added {
                println!("{name}: {text}");
            }
        }
        Ok(())
    })
}

/// Serves a member on a thread, and talks to it as a client: joins, posts stdin's lines, prints
/// what it hears.
fn member(
    config: &Config,
    listen: &str,
    node: Addr,
    name: String,
    token: Option<Token>,
) -> anyhow::Result<()> {
    anyhow::ensure!(node != ROOM, "node 0 is the room's");
    anyhow::ensure!(
        config.remotes.contains_key(&ROOM),
        "say where the room is: --remote 0=host:port"
    );
    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let config = config.clone();
    let (stopper, stop) = std::sync::mpsc::channel();
    let serving = std::thread::spawn({
        let token = token.clone();
        move || -> anyhow::Result<()> {
            let server = Server::new(ChatMember::with_config(&config)?).token(token);
            let _ = stopper.send(server.stopper());
            server.serve(listener)?;
            Ok(())
        }
    });
    let stop = stop.recv().context("the member's program did not start")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let talked = runtime.block_on(talk(address, node, name, token));
    stop.stop();
    serving
        .join()
        .map_err(|_| anyhow::anyhow!("the member's server panicked"))??;
    talked
}

async fn talk(
    address: std::net::SocketAddr,
    node: Addr,
    name: String,
    token: Option<Token>,
) -> anyhow::Result<()> {
    let client = Client::connect_with(address, Retry::default(), token.as_ref()).await?;
    let mut heard = client.subscribe(ChatMember::HEARD).await?;
    tokio::spawn(async move {
        while let Some(Ok(change)) = heard.next().await {
            for (_, name, text) in change.added {
                println!("{name}: {text}");
            }
        }
    });
    client
        .insert(ChatMember::HELLO, &[(node, ROOM, node, name)])
        .await?;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let text = line.trim();
        if !text.is_empty() {
            client
                .insert(ChatMember::SAY, &[(node, text.to_string())])
                .await?;
        }
    }
    // What was posted last still has to reach the room and come back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}
