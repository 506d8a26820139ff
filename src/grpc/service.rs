//! The `memorabilia.v1.Memorabilia` service. It only translates: a typed RPC picks its
//! database and enters the execution path ([`exec::typed`]) with its command and keys
//! ([`Typed`]) and its family's function in `grpc::strings`, `grpc::keys`,
//! `grpc::hashes`, `grpc::sets` or `grpc::sorted_sets` (which run the same typed
//! operations as the RESP commands), and turns errors into statuses; `Execute`, `Batch`
//! and `Pipeline` run Redis argument vectors through [`exec::execute`].

use std::collections::VecDeque;

use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio_stream::Stream;
use tokio_util::sync::WaitForCancellationFutureOwned;
use tonic::{Request, Response, Status, Streaming};

use super::proto;
use super::proto::memorabilia_server::Memorabilia;
use super::pubsub;
use super::typed::Typed;
use super::{auth, convert, hashes, keys, lists, scripting, sets, sorted_sets, streams, strings};
use crate::blocking::{Outcome, UNBLOCKED_ERROR, UnblockMode, Wait};
use crate::commands::sorted_sets::PopEnd;
use crate::commands::{Blocked, Ctx, Protocol, Reply, Session};
use crate::error::{Error, Result};
use crate::exec;
use crate::pubsub::Push;
use crate::state::{ClientGuard, ClientInfo, ClientKind, ServerState};
use crate::store::End;

/// The service: shared server state plus the client identity of unary calls.
pub struct MemorabiliaService {
    state: Arc<ServerState>,
    /// Typed RPCs touch no client state, so they share this client (not listed by
    /// `CLIENT LIST`). `Execute` and `Batch` get a fresh unlisted client per call, so
    /// `CLIENT SETNAME` or `HELLO` in one call never leaks into another; each `Pipeline`
    /// stream registers a client of its own.
    unary_client: Arc<ClientInfo>,
}

impl MemorabiliaService {
    pub fn new(state: Arc<ServerState>) -> MemorabiliaService {
        let unary_client = state
            .clients
            .unlisted(ClientKind::Grpc, String::new(), String::new());
        // Its calls passed the interceptor as the default user.
        unary_client.set_user(None, true);
        MemorabiliaService {
            state,
            unary_client,
        }
    }

    /// Runs a typed RPC (named after the command `rpc`) in a fresh session on its
    /// request's database, through the execution path.
    fn typed<Req: Typed, Resp>(
        &self,
        rpc: &'static str,
        db: u32,
        request: Request<Req>,
        call: fn(&mut Ctx<'_>, Req) -> Result<Resp>,
    ) -> std::result::Result<Response<Resp>, Status> {
        // The default user's calls share one client; another user's call gets its own.
        let client = match auth::call_user(&request) {
            None => self.unary_client.clone(),
            Some(user) => {
                let client = self.call_client(&request);
                client.set_user(Some(user), true);
                client
            }
        };
        let request = request.into_inner();
        let mut session = grpc_session(client);
        session.db = checked_db(&self.state, db).map_err(|e| convert::status(&e))?;
        let name = request.command(rpc);
        exec::typed(
            &self.state,
            &mut session,
            name,
            request,
            |r, locks| r.locks(locks),
            call,
        )
        .map(Response::new)
        .map_err(|e| convert::status(&e))
    }

    /// Runs a typed blocking RPC (BLPop, BRPop, BLMove, BZPopMin, BZPopMax): its function
    /// answers at once or leaves a wait, which this awaits. The call has a client of its
    /// own, so `CLIENT UNBLOCK` can address it. A deadline or cancellation drops this
    /// future, and with it the wait; the request's own timeout answers the empty response.
    async fn typed_blocking<Req: Typed, Resp: Default>(
        &self,
        rpc: &'static str,
        request: Request<Req>,
        db: impl Fn(&Req) -> u32,
        call: impl FnOnce(&mut Ctx<'_>, Req) -> Result<Answer<Resp>>,
    ) -> std::result::Result<Response<Resp>, Status> {
        let (_guard, mut session) = self.call_session(&request);
        let request = request.into_inner();
        session.db = checked_db(&self.state, db(&request)).map_err(|e| convert::status(&e))?;
        let name = request.command(rpc);
        let answer = exec::typed(
            &self.state,
            &mut session,
            name,
            request,
            |r, locks| r.locks(locks),
            call,
        )
        .map_err(|e| convert::status(&e))?;
        let response = match answer {
            Answer::Now(response) => response,
            Answer::Blocked(wait) => {
                let outcome = tokio::select! {
                    outcome = wait.outcome() => outcome,
                    _ = self.state.shutdown.cancelled() => {
                        return Err(Status::unavailable("the server is shutting down"));
                    }
                };
                match outcome {
                    Outcome::Served(result) => result.map_err(|e| convert::status(&e))?,
                    Outcome::TimedOut | Outcome::Unblocked(UnblockMode::Timeout) => Resp::default(),
                    Outcome::Unblocked(UnblockMode::Error) => {
                        return Err(convert::status(&UNBLOCKED_ERROR));
                    }
                }
            }
        };
        Ok(Response::new(response))
    }
}

/// What a typed blocking RPC's function gives: its response now, or the wait for it.
pub enum Answer<T> {
    Now(T),
    Blocked(Wait<Result<T>>),
}

/// Waits for a blocked command's reply; the server's shutdown ends the call instead.
async fn wait_for(state: &ServerState, blocked: Blocked) -> std::result::Result<Reply, Status> {
    tokio::select! {
        reply = blocked.reply() => Ok(reply),
        _ = state.shutdown.cancelled() => Err(Status::unavailable("the server is shutting down")),
    }
}

impl MemorabiliaService {
    /// A client that lives for one unary call.
    fn call_client<T>(&self, request: &Request<T>) -> Arc<ClientInfo> {
        let (peer, local) = addresses(request);
        let client = self.state.clients.unlisted(ClientKind::Grpc, peer, local);
        auth::apply(request, &self.state, &client);
        client
    }

    /// A listed client (a stream's) running as the call's user. A stream is a client
    /// toward `maxclients`: past it, the stream is refused as Redis refuses a connection.
    fn listed_client<T>(
        &self,
        request: &Request<T>,
    ) -> std::result::Result<Arc<ClientInfo>, Status> {
        if self.state.refuse_client() {
            return Err(Status::resource_exhausted(
                "ERR max number of clients reached",
            ));
        }
        let (peer, local) = addresses(request);
        let client = self.state.clients.register(ClientKind::Grpc, peer, local);
        auth::apply(request, &self.state, &client);
        Ok(client)
    }

    /// The session of one unary call's own client, and the guard that cleans up what the
    /// call leaves behind (a WATCH, say) when it ends.
    /// A scripting RPC: its command through the execution path, like `Execute`, with an
    /// error reply as the call's status.
    fn script_call<T>(
        &self,
        request: &Request<T>,
        db: u32,
        argv: Vec<Bytes>,
    ) -> std::result::Result<Response<proto::Reply>, Status> {
        let (_guard, mut session) = self.call_session(request);
        let db = checked_db(&self.state, db).map_err(|e| convert::status(&e))?;
        session.db = db;
        session.client.set_db(db);
        let reply = exec::execute(&self.state, &mut session, &argv);
        self.state.aof.commit_on_worker();
        match reply {
            Reply::Error(error) => Err(convert::status(&error)),
            reply => Ok(Response::new(convert::reply(reply))),
        }
    }

    fn call_session<T>(&self, request: &Request<T>) -> (ClientGuard, Session) {
        let client = self.call_client(request);
        let guard = ClientGuard::new(self.state.clone(), client.clone());
        (guard, grpc_session(client))
    }

    /// A streaming call's own client, listed like a connection (CLIENT LIST, CLIENT KILL):
    /// `start` sets up what it listens to, then its outbox feeds the stream, each push
    /// turned into an event by `event`, until the call or the client ends.
    fn stream_client<Req, E: Send + 'static>(
        &self,
        request: Request<Req>,
        event: fn(Push) -> Option<E>,
        start: impl FnOnce(&Arc<ClientInfo>, Req) -> Result<()>,
    ) -> std::result::Result<Response<EventStream<E>>, Status> {
        let client = self.listed_client(&request)?;
        let guard = ClientGuard::new(self.state.clone(), client.clone());
        start(&client, request.into_inner()).map_err(|e| convert::status(&e))?;
        let events = pubsub::forward(self.state.clone(), client, guard, event);
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(events),
        )))
    }
}

fn addresses<T>(request: &Request<T>) -> (String, String) {
    let text = |a: Option<std::net::SocketAddr>| a.map(|a| a.to_string()).unwrap_or_default();
    (text(request.remote_addr()), text(request.local_addr()))
}

/// A server stream of events, as the streaming RPCs answer.
type EventStream<E> = Pin<Box<dyn Stream<Item = std::result::Result<E, Status>> + Send>>;

/// A session of a gRPC client. Replies are modelled on RESP3, so the session speaks it.
fn grpc_session(client: Arc<ClientInfo>) -> Session {
    client.set_protocol(Protocol::Resp3);
    let mut session = Session::new(client);
    session.protocol = Protocol::Resp3;
    session
}

/// A request's database, if the server has it.
pub(super) fn checked_db(state: &ServerState, db: u32) -> Result<usize> {
    let db = db as usize;
    if db < state.store.databases() {
        Ok(db)
    } else {
        Err(Error::DbIndexOutOfRange)
    }
}

/// What running a `Command` gave: its reply, or the wait of a blocked command.
enum Ran {
    Reply(proto::Reply),
    Blocked(Blocked),
}

/// Runs one `Command` in `session`, awaiting it if it blocks.
async fn run_command(
    state: &ServerState,
    session: &mut Session,
    command: proto::Command,
) -> std::result::Result<proto::Reply, Status> {
    match start_command(state, session, command) {
        Ran::Reply(reply) => Ok(reply),
        Ran::Blocked(blocked) => Ok(convert::reply(wait_for(state, blocked).await?)),
    }
}

/// Runs one `Command` in `session`: its database applies to this command only, as the
/// field is per command.
fn start_command(state: &ServerState, session: &mut Session, command: proto::Command) -> Ran {
    let reply = match checked_db(state, command.db) {
        Err(e) => Reply::Error(e),
        Ok(_) if command.args.is_empty() => Reply::Error(Error::err("empty command")),
        Ok(db) => {
            session.db = db;
            session.client.set_db(db);
            let reply = exec::execute(state, session, &command.args);
            state.aof.commit_on_worker();
            reply
        }
    };
    match session.blocked.take() {
        Some(blocked) => Ran::Blocked(blocked),
        None => Ran::Reply(convert::reply(reply)),
    }
}

/// Declares typed unary RPCs: each reads the request's `db` and calls its function.
#[allow(unused_macros)] // used once the typed RPC families land
macro_rules! typed_rpcs {
    ($($rpc:ident: $req:ident -> $resp:ident => $call:path, $rpc_name:literal;)*) => {
        $(
            // Written out as `#[tonic::async_trait]` would expand it: the attribute runs
            // before this macro, so it cannot rewrite an `async fn` produced here.
            fn $rpc<'life0, 'async_trait>(
                &'life0 self,
                request: Request<proto::$req>,
            ) -> Pin<Box<dyn Future<Output = std::result::Result<Response<proto::$resp>, Status>> + Send + 'async_trait>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                let db = request.get_ref().db;
                Box::pin(std::future::ready(self.typed($rpc_name, db, request, $call)))
            }
        )*
    };
}

#[tonic::async_trait]
impl Memorabilia for MemorabiliaService {
    typed_rpcs! {
        get: GetRequest -> GetResponse => strings::get, "get";
        set: SetRequest -> SetResponse => strings::set, "set";
        get_del: GetDelRequest -> GetDelResponse => strings::get_del, "getdel";
        get_ex: GetExRequest -> GetExResponse => strings::get_ex, "getex";
        m_get: MGetRequest -> MGetResponse => strings::m_get, "mget";
        m_set: MSetRequest -> MSetResponse => strings::m_set, "mset";
        m_set_nx: MSetNxRequest -> MSetNxResponse => strings::m_set_nx, "msetnx";
        incr: IncrRequest -> IncrResponse => strings::incr, "incr";
        incr_by: IncrByRequest -> IncrResponse => strings::incr_by, "incrby";
        incr_by_float: IncrByFloatRequest -> IncrByFloatResponse => strings::incr_by_float, "incrbyfloat";
        append: AppendRequest -> AppendResponse => strings::append, "append";
        str_len: StrLenRequest -> StrLenResponse => strings::str_len, "strlen";
        get_range: GetRangeRequest -> GetRangeResponse => strings::get_range, "getrange";
        set_range: SetRangeRequest -> SetRangeResponse => strings::set_range, "setrange";
        l_push: ListPushRequest -> ListPushResponse => lists::l_push, "lpush";
        r_push: ListPushRequest -> ListPushResponse => lists::r_push, "rpush";
        l_pop: ListPopRequest -> ListPopResponse => lists::l_pop, "lpop";
        r_pop: ListPopRequest -> ListPopResponse => lists::r_pop, "rpop";
        l_len: LLenRequest -> LLenResponse => lists::l_len, "llen";
        l_range: LRangeRequest -> LRangeResponse => lists::l_range, "lrange";
        l_index: LIndexRequest -> LIndexResponse => lists::l_index, "lindex";
        l_set: LSetRequest -> LSetResponse => lists::l_set, "lset";
        l_rem: LRemRequest -> LRemResponse => lists::l_rem, "lrem";
        l_trim: LTrimRequest -> LTrimResponse => lists::l_trim, "ltrim";
        l_move: LMoveRequest -> LMoveResponse => lists::l_move, "lmove";
        del: DelRequest -> DelResponse => keys::del, "del";
        exists: ExistsRequest -> ExistsResponse => keys::exists, "exists";
        r#type: TypeRequest -> TypeResponse => keys::type_, "type";
        expire: ExpireRequest -> ExpireResponse => keys::expire, "expire";
        persist: PersistRequest -> PersistResponse => keys::persist, "persist";
        ttl: TtlRequest -> TtlResponse => keys::ttl, "ttl";
        rename: RenameRequest -> RenameResponse => keys::rename, "rename";
        copy: CopyRequest -> CopyResponse => keys::copy, "copy";
        scan: ScanRequest -> ScanResponse => keys::scan, "scan";
        db_size: DbSizeRequest -> DbSizeResponse => keys::db_size, "dbsize";
        flush_db: FlushDbRequest -> FlushDbResponse => keys::flush_db, "flushdb";
        h_set: HSetRequest -> HSetResponse => hashes::h_set, "hset";
        h_get: HGetRequest -> HGetResponse => hashes::h_get, "hget";
        hm_get: HmGetRequest -> HmGetResponse => hashes::hm_get, "hmget";
        h_get_all: HGetAllRequest -> HGetAllResponse => hashes::h_get_all, "hgetall";
        h_del: HDelRequest -> HDelResponse => hashes::h_del, "hdel";
        h_incr_by: HIncrByRequest -> HIncrByResponse => hashes::h_incr_by, "hincrby";
        h_len: HLenRequest -> HLenResponse => hashes::h_len, "hlen";
        h_exists: HExistsRequest -> HExistsResponse => hashes::h_exists, "hexists";
        s_add: SAddRequest -> SAddResponse => sets::s_add, "sadd";
        s_rem: SRemRequest -> SRemResponse => sets::s_rem, "srem";
        s_members: SMembersRequest -> SMembersResponse => sets::s_members, "smembers";
        s_is_member: SIsMemberRequest -> SIsMemberResponse => sets::s_is_member, "sismember";
        s_card: SCardRequest -> SCardResponse => sets::s_card, "scard";
        // ---- Sorted sets ----
        z_add: ZAddRequest -> ZAddResponse => sorted_sets::z_add, "zadd";
        z_rem: ZRemRequest -> ZRemResponse => sorted_sets::z_rem, "zrem";
        z_score: ZScoreRequest -> ZScoreResponse => sorted_sets::z_score, "zscore";
        z_incr_by: ZIncrByRequest -> ZIncrByResponse => sorted_sets::z_incr_by, "zincrby";
        z_card: ZCardRequest -> ZCardResponse => sorted_sets::z_card, "zcard";
        z_rank: ZRankRequest -> ZRankResponse => sorted_sets::z_rank, "zrank";
        z_range: ZRangeRequest -> ZRangeResponse => sorted_sets::z_range, "zrange";
        // ---- Streams ----
        x_add: XAddRequest -> XAddResponse => streams::x_add, "xadd";
        x_range: XRangeRequest -> XRangeResponse => streams::x_range, "xrange";
        x_ack: XAckRequest -> XAckResponse => streams::x_ack, "xack";
    }

    async fn ping(
        &self,
        request: Request<proto::PingRequest>,
    ) -> std::result::Result<Response<proto::PingResponse>, Status> {
        // PING touches no database.
        self.typed("ping", 0, request, strings::ping)
    }

    async fn bl_pop(
        &self,
        request: Request<proto::BlockingPopRequest>,
    ) -> std::result::Result<Response<proto::BlockingPopResponse>, Status> {
        self.typed_blocking(
            "blpop",
            request,
            |r| r.db,
            |ctx, r| lists::blocking_pop(ctx, r, End::Left),
        )
        .await
    }

    async fn br_pop(
        &self,
        request: Request<proto::BlockingPopRequest>,
    ) -> std::result::Result<Response<proto::BlockingPopResponse>, Status> {
        self.typed_blocking(
            "brpop",
            request,
            |r| r.db,
            |ctx, r| lists::blocking_pop(ctx, r, End::Right),
        )
        .await
    }

    async fn bl_move(
        &self,
        request: Request<proto::BlMoveRequest>,
    ) -> std::result::Result<Response<proto::LMoveResponse>, Status> {
        self.typed_blocking("blmove", request, |r| r.db, lists::bl_move)
            .await
    }

    async fn bz_pop_min(
        &self,
        request: Request<proto::BzPopRequest>,
    ) -> std::result::Result<Response<proto::BzPopResponse>, Status> {
        self.typed_blocking(
            "bzpopmin",
            request,
            |r| r.db,
            |ctx, r| sorted_sets::bz_pop(ctx, r, PopEnd::Min),
        )
        .await
    }

    async fn bz_pop_max(
        &self,
        request: Request<proto::BzPopRequest>,
    ) -> std::result::Result<Response<proto::BzPopResponse>, Status> {
        self.typed_blocking(
            "bzpopmax",
            request,
            |r| r.db,
            |ctx, r| sorted_sets::bz_pop(ctx, r, PopEnd::Max),
        )
        .await
    }

    async fn publish(
        &self,
        request: Request<proto::PublishRequest>,
    ) -> std::result::Result<Response<proto::PublishResponse>, Status> {
        self.typed("publish", 0, request, pubsub::publish)
    }

    async fn subscribe(
        &self,
        request: Request<proto::SubscribeRequest>,
    ) -> std::result::Result<Response<EventStream<proto::SubscribeEvent>>, Status> {
        let state = &self.state;
        self.stream_client(request, pubsub::subscribe_event, |client, request| {
            let mut session = grpc_session(client.clone());
            let name = request.command("subscribe");
            exec::typed(
                state,
                &mut session,
                name,
                request,
                |r, locks| r.locks(locks),
                pubsub::subscribe,
            )
        })
    }

    async fn x_read(
        &self,
        request: Request<proto::XReadRequest>,
    ) -> std::result::Result<Response<proto::XReadResponse>, Status> {
        self.typed_blocking("xread", request, |r| r.db, streams::x_read)
            .await
    }

    async fn x_follow(
        &self,
        request: Request<proto::XFollowRequest>,
    ) -> std::result::Result<Response<EventStream<proto::XFollowEvent>>, Status> {
        checked_db(&self.state, request.get_ref().db).map_err(|e| convert::status(&e))?;
        let client = self.listed_client(&request)?;
        let guard = ClientGuard::new(self.state.clone(), client.clone());
        let request = request.into_inner();
        let mut session = grpc_session(client.clone());
        session.db = request.db as usize;
        let events = streams::follow(self.state.clone(), client, guard, session, request);
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(events),
        )))
    }

    async fn watch(
        &self,
        request: Request<proto::WatchRequest>,
    ) -> std::result::Result<Response<EventStream<proto::WatchEvent>>, Status> {
        let state = &self.state;
        self.stream_client(request, pubsub::watch_event, |client, request| {
            pubsub::watch(state, client, request)
        })
    }

    async fn eval(
        &self,
        request: Request<proto::EvalRequest>,
    ) -> std::result::Result<Response<proto::Reply>, Status> {
        let r = request.get_ref();
        let name = if r.read_only { "EVAL_RO" } else { "EVAL" };
        let argv = scripting::script_argv(name, r.script.clone(), &r.keys, &r.args);
        let db = r.db;
        self.script_call(&request, db, argv)
    }

    async fn eval_sha(
        &self,
        request: Request<proto::EvalShaRequest>,
    ) -> std::result::Result<Response<proto::Reply>, Status> {
        let r = request.get_ref();
        let name = if r.read_only { "EVALSHA_RO" } else { "EVALSHA" };
        let sha = Bytes::from(r.sha1.clone().into_bytes());
        let argv = scripting::script_argv(name, sha, &r.keys, &r.args);
        let db = r.db;
        self.script_call(&request, db, argv)
    }

    async fn script_load(
        &self,
        request: Request<proto::ScriptLoadRequest>,
    ) -> std::result::Result<Response<proto::ScriptLoadResponse>, Status> {
        let argv = vec![
            Bytes::from_static(b"SCRIPT"),
            Bytes::from_static(b"LOAD"),
            request.get_ref().script.clone(),
        ];
        let reply = self.script_call(&request, 0, argv)?.into_inner();
        Ok(Response::new(proto::ScriptLoadResponse {
            sha1: scripting::bulk_text(reply),
        }))
    }

    async fn f_call(
        &self,
        request: Request<proto::FCallRequest>,
    ) -> std::result::Result<Response<proto::Reply>, Status> {
        let r = request.get_ref();
        let name = if r.read_only { "FCALL_RO" } else { "FCALL" };
        let function = Bytes::from(r.function.clone().into_bytes());
        let argv = scripting::script_argv(name, function, &r.keys, &r.args);
        let db = r.db;
        self.script_call(&request, db, argv)
    }

    async fn execute(
        &self,
        request: Request<proto::Command>,
    ) -> std::result::Result<Response<proto::Reply>, Status> {
        let (_guard, mut session) = self.call_session(&request);
        let reply = run_command(&self.state, &mut session, request.into_inner()).await?;
        Ok(Response::new(reply))
    }

    async fn batch(
        &self,
        request: Request<proto::BatchRequest>,
    ) -> std::result::Result<Response<proto::BatchResponse>, Status> {
        let (_guard, mut session) = self.call_session(&request);
        let commands = request.into_inner().commands;
        let mut replies = Vec::with_capacity(commands.len());
        for command in commands {
            replies.push(run_command(&self.state, &mut session, command).await?);
        }
        Ok(Response::new(proto::BatchResponse { replies }))
    }

    async fn transaction(
        &self,
        request: Request<proto::TransactionRequest>,
    ) -> std::result::Result<Response<proto::TransactionResponse>, Status> {
        let (_guard, mut session) = self.call_session(&request);
        let request = request.into_inner();
        let status = |e: Error| convert::status(&e);
        let preconditions = request
            .preconditions
            .into_iter()
            .map(|p| {
                let check = match p.check {
                    Some(proto::precondition::Check::Exists(e)) => exec::Check::Exists(e),
                    Some(proto::precondition::Check::ValueEquals(v)) => exec::Check::ValueEquals(v),
                    Some(proto::precondition::Check::Version(v)) => exec::Check::Version(v),
                    None => return Err(Error::err("a precondition needs a check")),
                };
                Ok(exec::Precondition {
                    db: checked_db(&self.state, p.db)?,
                    key: p.key,
                    check,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map_err(status)?;
        let commands = request
            .commands
            .into_iter()
            .map(|c| Ok((checked_db(&self.state, c.db)?, c.args)))
            .collect::<Result<Vec<_>>>()
            .map_err(status)?;
        let done = exec::transaction(&self.state, &mut session, &preconditions, &commands)
            .map_err(status)?;
        Ok(Response::new(proto::TransactionResponse {
            committed: done.committed,
            held: done.held,
            replies: done.replies.into_iter().map(convert::reply).collect(),
            versions: done
                .versions
                .into_iter()
                .map(|(db, key, version)| proto::KeyVersion {
                    db: db as u32,
                    key,
                    version: version.into(),
                })
                .collect(),
        }))
    }

    async fn pipeline(
        &self,
        request: Request<Streaming<proto::Command>>,
    ) -> std::result::Result<
        Response<Pin<Box<dyn Stream<Item = std::result::Result<proto::Reply, Status>> + Send>>>,
        Status,
    > {
        let client = self.listed_client(&request)?;
        Ok(Response::new(Box::pin(PipelineReplies {
            _guard: ClientGuard::new(self.state.clone(), client.clone()),
            state: self.state.clone(),
            input: request.into_inner(),
            stop: Box::pin(self.state.shutdown.clone().cancelled_owned()),
            killed: Box::pin(client.kill.clone().cancelled_owned()),
            session: grpc_session(client),
            ready: VecDeque::new(),
            blocked: None,
            finished: false,
        })))
    }
}

/// The reply stream of one `Pipeline` call. It drives the work itself: when the client
/// wants a reply and none is ready, it takes every command that has already arrived, runs
/// them as one batch and queues their replies, so a client with many commands in flight
/// gets them batched like RESP pipelining, with no task or channel per command.
pub struct PipelineReplies {
    /// Unregisters the stream's client however the stream ends.
    _guard: ClientGuard,
    state: Arc<ServerState>,
    input: Streaming<proto::Command>,
    session: Session,
    ready: VecDeque<proto::Reply>,
    stop: Pin<Box<WaitForCancellationFutureOwned>>,
    killed: Pin<Box<WaitForCancellationFutureOwned>>,
    /// The reply of a command that blocked: nothing after it runs until it comes.
    blocked: Option<Pin<Box<dyn Future<Output = Reply> + Send>>>,
    finished: bool,
}

impl PipelineReplies {
    /// Polls the reply of the command that blocked.
    fn poll_blocked(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<proto::Reply, Status>>> {
        let Some(blocked) = self.blocked.as_mut() else {
            return Poll::Pending;
        };
        let reply = std::task::ready!(blocked.as_mut().poll(cx));
        self.blocked = None;
        Poll::Ready(Some(Ok(convert::reply(reply))))
    }
}

impl Stream for PipelineReplies {
    type Item = std::result::Result<proto::Reply, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(reply) = this.ready.pop_front() {
            return Poll::Ready(Some(Ok(reply)));
        }
        if this.finished && this.blocked.is_none() {
            return Poll::Ready(None);
        }
        // Server shutdown or CLIENT KILL ends the stream.
        if this.stop.as_mut().poll(cx).is_ready() || this.killed.as_mut().poll(cx).is_ready() {
            this.finished = true;
            return Poll::Ready(None);
        }
        if this.blocked.is_some() {
            return this.poll_blocked(cx);
        }
        let mut interacted = false;
        loop {
            match Pin::new(&mut this.input).poll_next(cx) {
                Poll::Ready(Some(Ok(command))) => {
                    if !interacted {
                        this.session.client.note_interaction();
                        interacted = true;
                    }
                    match start_command(&this.state, &mut this.session, command) {
                        Ran::Reply(reply) => this.ready.push_back(reply),
                        Ran::Blocked(blocked) => {
                            // Polled once the replies before it are sent.
                            this.blocked = Some(Box::pin(blocked.reply()));
                            break;
                        }
                    }
                    if this.session.close_after_reply || this.session.close_now {
                        this.finished = true;
                        break;
                    }
                }
                Poll::Ready(Some(Err(status))) => {
                    this.finished = true;
                    if this.ready.is_empty() {
                        return Poll::Ready(Some(Err(status)));
                    }
                    break;
                }
                Poll::Ready(None) => {
                    this.finished = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        match this.ready.pop_front() {
            Some(reply) => Poll::Ready(Some(Ok(reply))),
            // Nothing before the blocked command: wait for its reply now.
            None if this.blocked.is_some() => this.poll_blocked(cx),
            None if this.finished => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}
