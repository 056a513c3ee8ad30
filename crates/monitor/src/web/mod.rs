//! The HTTP server's pages and API (axum), on the daemon's port:
//!
//! | path | what |
//! |---|---|
//! | `GET /` | the overview: every target; `?sort=COLUMN&desc=1`, `?group=`, `?q=` (part of a name) |
//! | `GET /target/{name}` | a target: smokeping's graphs (3 h, 30 h, 10 d, 400 d, or `?range=`), last step, path, changes, alerts |
//! | `GET /target/{name}/graph.svg` | one graph: `?range=` or `?from=&to=`, `?width=&height=` |
//! | `GET /api/targets` | the overview as JSON (same parameters) |
//! | `GET /api/targets/{name}` | a target's status and last step |
//! | `GET /api/targets/{name}/history` | its [`Series`]: `?range=` or `?from=&to=` (Unix seconds), `?points=` |
//! | `GET /api/targets/{name}/paths` | its traces, changes marked: `?range=` (default 30h) or `?from=&to=` |
//! | `GET /api/alerts` | the alert board |
//! | `GET /-/healthy`, `GET /-/ready` | 200 while serving |
//! | `POST /-/reload` | reload the configuration: 200 and what changed, or 400 and why not |
//!
//! JSON speaks Unix seconds for times, milliseconds (floats) for RTTs,
//! fractions (0 to 1) for loss, `null` for what is missing. A target name
//! in a path is one percent-encoded segment (`/` as `%2F`). An unknown
//! target is a 404, a bad parameter a 400 naming it and its valid values.
//! Every string from the configuration is escaped in HTML and SVG.

pub mod graph;
pub mod html;
pub mod pages;
pub mod query;
pub mod source;
pub mod view;

mod utc;

use std::sync::{Arc, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

pub use graph::{LOSS_COLOURS, LossScale, smoke_svg, smoke_svg_with_pings};
pub use query::{GraphRange, OverviewQuery, QueryError, SortKey};
pub use source::{AlertSource, HistorySource, Point, Series};
pub use view::{PathView, Status, StepView, TargetDetail, TargetRow};

use crate::live::{Live, SharedLive, TargetStatus};
use pages::GraphBlock;
use query::{Params, Span};

/// What `POST /-/reload` calls: `Ok` with what changed, `Err` with why the
/// new configuration was refused (the running one stays). Called on a
/// blocking thread.
pub type Reload = Arc<dyn Fn() -> Result<String, String> + Send + Sync>;

/// Everything the server reads.
#[derive(Clone)]
pub struct WebState {
    /// The daemon's live state.
    pub live: SharedLive,
    /// The history store.
    pub history: Arc<dyn HistorySource>,
    /// The alert board.
    pub alerts: Arc<dyn AlertSource>,
    /// The configuration reload.
    pub reload: Reload,
}

/// The graphs' size on a target page, pixels.
pub const GRAPH_SIZE: (u32, u32) = (860, 300);

/// The router of every page and API path (see the module's table). The
/// daemon merges its `/metrics` route into it and serves it.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(overview_page))
        .route("/target/{name}", get(target_page))
        .route("/target/{name}/graph.svg", get(graph_svg))
        .route("/api/targets", get(api_targets))
        .route("/api/targets/{name}", get(api_target))
        .route("/api/targets/{name}/history", get(api_history))
        .route("/api/targets/{name}/paths", get(api_paths))
        .route("/api/alerts", get(api_alerts))
        .route(
            "/-/healthy",
            get(|| async { "icmpkit monitor is healthy.\n" }),
        )
        .route("/-/ready", get(|| async { "icmpkit monitor is ready.\n" }))
        .route("/-/reload", post(reload))
        .fallback(not_found)
        .with_state(state)
}

/// Runs `work` on the runtime's blocking pool: the history's reads wait
/// for the disk, and the workers serve everything else meanwhile (a
/// panic in `work` goes on as the handler's).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Now, Unix seconds.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum WebError {
    #[error("no target named {0:?}")]
    UnknownTarget(String),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("the history could not be read: {0}")]
    History(String),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnknownTarget(_) => StatusCode::NOT_FOUND,
            Self::Query(_) => StatusCode::BAD_REQUEST,
            Self::History(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failed API request: its status and `{"error": "..."}`.
struct ApiError(WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.0.to_string(),
        };
        (self.0.status(), Json(body)).into_response()
    }
}

/// A failed page request: its status and a page saying why.
struct PageError(WebError, String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.0.status() {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => "Error",
        };
        let body = format!(
            "<h1>{title}</h1><div class=\"error\">{}</div><p><a href=\"/\">All targets</a></p>",
            html::escape(&self.0.to_string())
        );
        (self.0.status(), Html(html::page(title, &self.1, &body))).into_response()
    }
}

fn read_live(live: &SharedLive) -> std::sync::RwLockReadGuard<'_, Live> {
    live.read().unwrap_or_else(PoisonError::into_inner)
}

/// The agent's name and a copy of target `name`, if it exists.
fn find(state: &WebState, name: &str) -> (String, Option<TargetStatus>) {
    let live = read_live(&state.live);
    (
        live.agent.clone(),
        live.targets.iter().find(|t| *t.name == *name).cloned(),
    )
}

async fn overview_page(
    State(state): State<WebState>,
    Query(params): Query<Params>,
) -> Result<Html<String>, PageError> {
    let agent = read_live(&state.live).agent.clone();
    let query = OverviewQuery::parse(&params).map_err(|e| PageError(e.into(), agent))?;
    let alerts = state.alerts.alerts();
    let live = read_live(&state.live);
    Ok(Html(pages::overview(&live, &query, &alerts)))
}

/// How far back a target page lists path changes.
const PATH_SPAN: i64 = 10 * 86_400;

/// The probes per step of `t` as configured (else its last step's), for
/// the loss colours: a partial step must not change the scale.
fn pings_of(t: &TargetStatus) -> Option<u32> {
    Some(t.pings)
        .filter(|&n| n > 0)
        .or_else(|| t.last_step.as_ref().map(|s| s.sent).filter(|&n| n > 0))
}

/// One graph of `name` over `span`, loss colours on the scale of `pings`
/// a step when known.
fn draw(
    state: &WebState,
    name: &str,
    span: Span,
    size: (u32, u32),
    title: &str,
    pings: Option<u32>,
) -> Result<String, String> {
    let points = usize::try_from(size.0).unwrap_or(800);
    let series = state.history.range(name, span.from, span.to, points)?;
    Ok(match pings {
        Some(p) => smoke_svg_with_pings(&series, span.from, span.to, size.0, size.1, title, p),
        None => smoke_svg(&series, span.from, span.to, size.0, size.1, title),
    })
}

async fn target_page(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Html<String>, PageError> {
    blocking(move || target_page_now(&state, name, &params)).await
}

/// [`target_page`] on a blocking thread: it reads the history (the disk) and draws.
fn target_page_now(
    state: &WebState,
    name: String,
    params: &Params,
) -> Result<Html<String>, PageError> {
    let (agent, target) = find(state, &name);
    let Some(target) = target else {
        return Err(PageError(WebError::UnknownTarget(name), agent));
    };
    let now = now();
    let span = Span::parse(params, now, GraphRange::Hours3)
        .map_err(|e| PageError(e.into(), agent.clone()))?;
    let ranges: Vec<GraphRange> = span.range.map_or(GraphRange::ALL.to_vec(), |r| vec![r]);
    let graphs: Vec<GraphBlock> = ranges
        .into_iter()
        .map(|range| {
            let to = span.to;
            let span = Span {
                from: to - range.seconds(),
                to,
                range: Some(range),
            };
            let title = format!("{} — {}", target.name, range.title());
            GraphBlock {
                range,
                svg: draw(state, &name, span, GRAPH_SIZE, &title, pings_of(&target)),
            }
        })
        .collect();
    let paths = state
        .history
        .paths(&name, span.to - PATH_SPAN, span.to)
        .map(view::path_views);
    let alerts = state.alerts.alerts();
    Ok(Html(pages::target_page(
        &agent, &target, span.range, &graphs, &paths, &alerts,
    )))
}

async fn graph_svg(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    blocking(move || graph_svg_now(&state, name, &params)).await
}

/// [`graph_svg`] on a blocking thread: it reads the history (the disk) and draws.
fn graph_svg_now(state: &WebState, name: String, params: &Params) -> Result<Response, ApiError> {
    let Some(target) = find(state, &name).1 else {
        return Err(WebError::UnknownTarget(name).into());
    };
    let span = Span::parse(params, now(), GraphRange::Hours3)?;
    let size = query::size(params, GRAPH_SIZE)?;
    let title = span.range.map_or_else(
        || {
            format!(
                "{name} — {} to {} UTC",
                utc::minutes(span.from),
                utc::minutes(span.to)
            )
        },
        |r| format!("{name} — {}", r.title()),
    );
    let svg =
        draw(state, &name, span, size, &title, pings_of(&target)).map_err(WebError::History)?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

async fn api_targets(
    State(state): State<WebState>,
    Query(params): Query<Params>,
) -> Result<Json<Vec<TargetRow>>, ApiError> {
    let query = OverviewQuery::parse(&params)?;
    let live = read_live(&state.live);
    Ok(Json(view::rows(&live, &query)))
}

async fn api_target(
    State(state): State<WebState>,
    Path(name): Path<String>,
) -> Result<Json<TargetDetail>, ApiError> {
    match find(&state, &name).1 {
        Some(t) => Ok(Json(TargetDetail::of(&t))),
        None => Err(WebError::UnknownTarget(name).into()),
    }
}

/// A point of `/api/targets/{name}/history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct PointView {
    start: i64,
    sent: u32,
    lost: u32,
    loss: Option<f64>,
    median_ms: Option<f64>,
    smoke_ms: Vec<f64>,
}

/// The body of `/api/targets/{name}/history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct HistoryView {
    target: String,
    from: i64,
    to: i64,
    step: u32,
    points: Vec<PointView>,
}

async fn api_history(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<HistoryView>, ApiError> {
    blocking(move || api_history_now(&state, name, &params)).await
}

/// [`api_history`] on a blocking thread: it reads the history (the disk) and draws.
fn api_history_now(
    state: &WebState,
    name: String,
    params: &Params,
) -> Result<Json<HistoryView>, ApiError> {
    if find(state, &name).1.is_none() {
        return Err(WebError::UnknownTarget(name).into());
    }
    let span = Span::parse(params, now(), GraphRange::Hours3)?;
    let points = query::points(params)?;
    let series = state
        .history
        .range(&name, span.from, span.to, points)
        .map_err(WebError::History)?;
    Ok(Json(HistoryView {
        target: name,
        from: span.from,
        to: span.to,
        step: series.step,
        points: series
            .points
            .into_iter()
            .map(|p| PointView {
                start: p.start,
                sent: p.sent,
                lost: p.lost,
                loss: (p.sent > 0).then(|| f64::from(p.lost) / f64::from(p.sent)),
                median_ms: p.median_us.map(view::us_to_ms),
                smoke_ms: p.smoke_us.into_iter().map(view::us_to_ms).collect(),
            })
            .collect(),
    }))
}

/// The body of `/api/targets/{name}/paths`.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct PathsView {
    target: String,
    from: i64,
    to: i64,
    paths: Vec<PathView>,
}

async fn api_paths(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<PathsView>, ApiError> {
    blocking(move || api_paths_now(&state, name, &params)).await
}

/// [`api_paths`] on a blocking thread: it reads the history (the disk) and draws.
fn api_paths_now(
    state: &WebState,
    name: String,
    params: &Params,
) -> Result<Json<PathsView>, ApiError> {
    if find(state, &name).1.is_none() {
        return Err(WebError::UnknownTarget(name).into());
    }
    let span = Span::parse(params, now(), GraphRange::Hours30)?;
    let paths = state
        .history
        .paths(&name, span.from, span.to)
        .map_err(WebError::History)?;
    Ok(Json(PathsView {
        target: name,
        from: span.from,
        to: span.to,
        paths: view::path_views(paths),
    }))
}

async fn api_alerts(State(state): State<WebState>) -> Json<Vec<crate::alert::Alert>> {
    Json(state.alerts.alerts())
}

async fn reload(State(state): State<WebState>) -> Response {
    let reload = Arc::clone(&state.reload);
    match tokio::task::spawn_blocking(move || reload()).await {
        Ok(Ok(message)) => (StatusCode::OK, format!("{message}\n")).into_response(),
        Ok(Err(error)) => (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
        Err(join) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the reload failed: {join}\n"),
        )
            .into_response(),
    }
}

async fn not_found(uri: axum::http::Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("no page at {}\n", uri.path()),
    )
        .into_response()
}
