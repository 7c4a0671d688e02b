//! Serves an in-memory fake of one of the five job APIs.
//!
//! ```sh
//! cargo run -p tests --bin fake -- emporix [--port 8080]
//! ```
//!
//! Prints the address it listens on; any non-empty credential is accepted.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        eprintln!("usage: fake <{}> [--port N]", tests::fakes::NAMES.join("|"));
        return ExitCode::from(2);
    };
    let port: u16 = match args.iter().position(|a| a == "--port").and_then(|i| args.get(i + 1)) {
        Some(p) => match p.parse() {
            Ok(p) => p,
            Err(_) => {
                eprintln!("--port takes a number, not {p}");
                return ExitCode::from(2);
            }
        },
        None => 0,
    };
    let Some(router) = tests::fakes::router(name) else {
        eprintln!("unknown API `{name}`: one of {}", tests::fakes::NAMES.join(", "));
        return ExitCode::from(2);
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("{name} fake listening on http://{addr}"),
        Err(e) => eprintln!("listening, address unknown: {e}"),
    }
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("server failed: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
