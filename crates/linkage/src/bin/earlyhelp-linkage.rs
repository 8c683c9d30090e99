//! Stand-alone linkage tools for benchmarks and batch runs without the full earlyhelp
//! binary: `link` is the same code as `earlyhelp link`, `synth` writes a synthetic register,
//! extract and ground truth. Building this alone takes seconds, not the minutes the web
//! stack needs, which is what the benchmark script wants.

use clap::{Parser, Subcommand};
use earlyhelp_linkage::synth::{Spec, generate, write_files};
use earlyhelp_linkage::{LinkArgs, run};
use std::path::PathBuf;
use std::process::ExitCode;

/// Record linkage without a database.
#[derive(Parser)]
#[command(name = "earlyhelp-linkage", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Link two CSV files (see `earlyhelp link`).
    Link {
        #[command(flatten)]
        args: LinkArgs,
        /// A TOML file whose `[linkage]` table sets columns, blocking, thresholds, training.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a seeded synthetic register.csv, extract.csv and truth.csv.
    Synth {
        /// People on the register.
        #[arg(long, default_value_t = 10_000)]
        register: usize,
        /// Records in the extract.
        #[arg(long, default_value_t = 2_500)]
        extract: usize,
        /// The random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Folder to write into.
        #[arg(long)]
        out_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Link { args, config } => run(&args, config.as_deref()).map(|_| ()).map_err(Into::into),
        Command::Synth {
            register,
            extract,
            seed,
            out_dir,
        } => {
            let data = generate(Spec::new(register, extract, seed));
            write_files(&data, &out_dir).map_err(Into::into)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  because: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
