//! `stormpath-server`: the admin CLI and the REST server in one binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    stormpath_server::cli::main()
}
