//! Running the web app: state, background work and graceful shutdown.

use crate::config::Config;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::time::Duration;
use store::Store;
use tokio::sync::watch;

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish, stops background
/// work (the outbox worker finishes its current job) and closes the database.
pub async fn serve(
    store: Store,
    config: &Config,
    listener: tokio::net::TcpListener,
    public_url: worker::mail::PublicUrl,
    mailer: worker::Mailer,
) -> Result<()> {
    if let Some(addr) = &config.metrics_addr {
        let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .context("could not start metrics")?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("could not listen for metrics on {addr}"))?;
        tracing::info!(addr = %addr, "metrics at /metrics");
        tokio::spawn(async move {
            let _ = axum::serve(listener, web::metrics_router(handle)).await;
        });
    }
    let trusted_proxies = config
        .trusted_proxies
        .iter()
        .map(|p| p.parse().with_context(|| format!("trusted proxy {p} is not an IP address")))
        .collect::<Result<Vec<std::net::IpAddr>>>()?;
    let web_config = web::WebConfig {
        council_name: config.council_name.clone(),
        secure_cookies: config.secure_cookies,
        trusted_proxies,
        ..Default::default()
    };
    let state = web::AppState::new(store.clone(), web_config.clone()).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let checkpoint_key = config.checkpoint_key(&store).await?;
    let housekeeping = tokio::spawn(housekeeping(store.clone(), web_config, checkpoint_key, stop_rx.clone()));
    let jobs = worker::Worker::new(
        store.clone(),
        mailer,
        worker::Settings::new(public_url, config.council_name.clone()),
    );
    let jobs = tokio::spawn(jobs.run_until_stopped(stop_rx));
    let app = web::router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("shutting down: in-flight requests finished");
    let _ = stop_tx.send(true);
    let _ = housekeeping.await;
    // The worker finishes the job it is running (an e-mail half-sent is never abandoned).
    let _ = jobs.await;
    store.close().await;
    Ok(())
}

/// Housekeeping: removes expired sessions, forgets the sealed tokens of links that expired
/// unsent, and signs a checkpoint of the audit chain's head. Safe on several servers at once
/// (each is idempotent; a checkpoint for an entry is kept once). Work caused by a change
/// (e-mails, later circulation and reminders) goes through the outbox and the worker instead.
async fn housekeeping(store: Store, config: web::WebConfig, checkpoint_key: store::audit::CheckpointKey, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = store.clock().now();
                if let Err(e) = store.purge_expired_sessions(now - config.idle_timeout, now - config.absolute_timeout).await {
                    tracing::warn!(error = %e, "session housekeeping failed");
                }
                if let Err(e) = store.forget_dead_link_tokens().await {
                    tracing::warn!(error = %e, "link housekeeping failed");
                }
                if let Err(e) = store.sign_checkpoint(&checkpoint_key).await {
                    tracing::warn!(error = %e, "could not sign an audit checkpoint");
                }
            }
            _ = stop.changed() => break,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
