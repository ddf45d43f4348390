//! Checks one expression on the seeded suite and prints the report:
//! `cargo run -p xent-expr --example check -- '-np.sum(Y*np.log(A))/m' [categorical] [json]`.

use xent_core::Kind;
use xent_expr::{CheckOptions, check, parse};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(src) = args.first() else {
        eprintln!("usage: check 'EXPR' [categorical] [json]");
        return std::process::ExitCode::from(2);
    };
    let kind = if args.iter().any(|a| a == "categorical") {
        Kind::Categorical
    } else {
        Kind::Binary
    };
    let json = args.iter().any(|a| a == "json");
    let result = parse(src)
        .map_err(xent_expr::ExprError::from)
        .and_then(|p| check(&p, &CheckOptions::new(kind)));
    match result {
        Ok(report) if json => println!("{:#}", report.to_json()),
        Ok(report) => print!("{}", report.render_text()),
        Err(e) => {
            eprintln!("{}", e.render(src));
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
