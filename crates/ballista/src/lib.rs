//! `xent-datafusion`'s exact log-loss aggregates on a [Ballista] cluster.
//!
//! Every process of the cluster must know the functions: the **client** plans the query with
//! them, the **scheduler** decodes the logical plan and plans it into stages, each
//! **executor** decodes its stage's physical plan (where the aggregates are referred to by
//! name) and runs it. [`session_state`] is a DataFusion session state with them;
//! [`start_scheduler`] and [`start_executor`] start the in-process services from it;
//! [`connect`] gives a client context for a scheduler, with the functions registered again
//! on the context Ballista returns (its `remote_with_state` and `standalone_with_state`
//! rebuild the state with the default functions only).
//!
//! The aggregates' partial states travel between executors as their fixed-size canonical
//! bytes and merge exactly, so the cluster's result has the bits of a single DataFusion
//! session's, and of `xent binary --sum exact`, on the same rows (tested).
//!
//! ```no_run
//! # async fn run() -> datafusion::error::Result<()> {
//! let state = xent_ballista::session_state(datafusion::prelude::SessionConfig::new());
//! let scheduler = xent_ballista::start_scheduler(&state).await?;
//! for _ in 0..2 {
//!     xent_ballista::start_executor(scheduler, 2, &state).await?;
//! }
//! let ctx = xent_ballista::connect(scheduler, state).await?;
//! ctx.register_parquet("clicks", "clicks/", Default::default()).await?;
//! ctx.sql("SELECT xent_log_loss(pred, label) FROM clicks").await?.show().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [Ballista]: https://datafusion.apache.org/ballista/

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A session state for Ballista (its configuration upgraded, `config`'s settings kept) with
/// DataFusion's default functions and the four `xent` aggregates.
pub fn session_state(config: SessionConfig) -> SessionState {
    let aggregates = xent_datafusion::Loss::ALL.map(|l| Arc::new(l.udaf()));
    let mut builder = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config.upgrade_for_ballista());
    if let Some(functions) = builder.aggregate_functions() {
        functions.extend(aggregates);
    }
    builder.build()
}

fn configuration(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Configuration(e.to_string())
}

/// Starts a scheduler in this process, on a free port of `localhost`, planning with `state`'s
/// functions; returns its address.
pub async fn start_scheduler(state: &SessionState) -> Result<SocketAddr> {
    ballista_scheduler::standalone::new_standalone_scheduler_from_state(state)
        .await
        .map_err(configuration)
}

/// Starts an executor in this process, on a free port of `localhost`, with `vcores` task
/// slots and `state`'s functions, polling the scheduler at `scheduler` for tasks.
pub async fn start_executor(
    scheduler: SocketAddr,
    vcores: usize,
    state: &SessionState,
) -> Result<()> {
    let url = format!("http://localhost:{}", scheduler.port());
    let client = SchedulerGrpcClient::connect(url)
        .await
        .map_err(configuration)?;
    ballista_executor::new_standalone_executor_from_state(client, vcores, state)
        .await
        .map_err(configuration)
}

/// A client context for the scheduler at `scheduler`, from `state`, with the `xent`
/// aggregates registered on it (again: see the crate docs).
pub async fn connect(scheduler: SocketAddr, state: SessionState) -> Result<SessionContext> {
    let url = format!("df://localhost:{}", scheduler.port());
    let mut ctx = SessionContext::remote_with_state(&url, state).await?;
    xent_datafusion::register(&mut ctx)?;
    Ok(ctx)
}
