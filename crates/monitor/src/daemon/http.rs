//! The HTTP server: the web pages and API (`crate::web`), `/metrics`
//! (`crate::metrics`), over the daemon's history, alert board and reload.

use std::sync::{Arc, PoisonError};

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::sync::{mpsc, oneshot};

use super::ReloadRequest;
use super::aggregate::SharedBoard;
use crate::alert::Alert;
use crate::history::History;
use crate::live::SharedLive;
use crate::path::PathRecord;
use crate::web::{AlertSource, HistorySource, Series, WebState};

impl HistorySource for History {
    fn range(&self, target: &str, from: i64, to: i64, max_points: usize) -> Result<Series, String> {
        History::range(self, target, from, to, max_points).map_err(|e| e.to_string())
    }

    fn paths(&self, target: &str, from: i64, to: i64) -> Result<Vec<PathRecord>, String> {
        History::paths(self, target, from, to).map_err(|e| e.to_string())
    }
}

/// The board as the web server reads it.
struct BoardAlerts(SharedBoard);

impl AlertSource for BoardAlerts {
    fn alerts(&self) -> Vec<Alert> {
        let view = self.0.lock().unwrap_or_else(PoisonError::into_inner).view();
        view.active.into_iter().chain(view.recent).collect()
    }
}

/// The content type of the `OpenMetrics` text format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves the pages, the API and `/metrics` on `listener` until the task
/// is aborted.
pub async fn serve(
    listener: tokio::net::TcpListener,
    live: SharedLive,
    history: Arc<History>,
    board: SharedBoard,
    reload: mpsc::Sender<ReloadRequest>,
) -> std::io::Result<()> {
    let registry = Arc::new(crate::metrics::registry(Arc::clone(&live)));
    let state = WebState {
        live,
        history,
        alerts: Arc::new(BoardAlerts(board)),
        reload: Arc::new(move || {
            let (tx, rx) = oneshot::channel();
            reload
                .blocking_send(tx)
                .map_err(|_| "the daemon is stopping".to_owned())?;
            rx.blocking_recv()
                .map_err(|_| "the daemon is stopping".to_owned())?
        }),
    };
    let metrics = get(move || {
        let registry = Arc::clone(&registry);
        async move {
            // Tens of megabytes at 10,000 targets: built off the runtime's
            // two workers, so pages and probers go on meanwhile.
            match tokio::task::spawn_blocking(move || crate::metrics::encode(&registry)).await {
                Ok(Ok(text)) => ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
                _ => (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "encoding the metrics failed\n",
                )
                    .into_response(),
            }
        }
    });
    let app = crate::web::router(state).route("/metrics", metrics);
    axum::serve(listener, app).await
}
