import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { getConfig } from '../config/index.js';
import { executeApiSigner, type SignableRequest } from './signing.js';

/**
 * The API Gateway Management API of the WebSocket API: posts a message to one connection, as
 * `POST {endpoint}/@connections/{connectionId}` signed with SigV4 for `execute-api`. A bare
 * node:http(s) request and the SDK's signer, not the SDK client: the client's serialisation and
 * middleware cost 0.7 to 1 ms of CPU per post against about 0.1 ms for the request itself, paid
 * by every function that publishes (README, bench:push). One agent and signer per instance
 * (created on first use, reused by warm invocations) with keep-alive connections, as many sockets
 * as posts run at once, and no retries: a post that fails or times out is counted by the
 * publisher and the message skipped for that connection, never retried while the caller waits.
 * Locally serverless-offline serves the API on its websocket port.
 */

/** Placeholder credentials for serverless-offline, which checks no signature (config.push.localCredentials). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export type PostOutcome = 'delivered' | 'gone' | 'timed_out' | 'failed';

/** The Management API answered a post with something other than success (`statusCode`, API Gateway's `x-amzn-errortype`). */
export class PostRefusedError extends Error {
  override readonly name = 'PostRefusedError';
  constructor(
    readonly statusCode: number,
    readonly errorType: string | undefined,
    detail: string,
  ) {
    super(`PostToConnection answered ${statusCode}${errorType ? ` ${errorType}` : ''}${detail ? `: ${detail}` : ''}`);
  }
}

/** The post's socket was silent for its timeout. */
export class PostTimeoutError extends Error {
  override readonly name = 'PostTimeoutError';
}

/** The publish's signal aborted the post (its deadline passed). */
export class PostAbortedError extends Error {
  override readonly name = 'PostAbortedError';
}

interface ManagementApi {
  request: typeof httpRequest;
  agent: HttpAgent;
  protocol: string;
  hostname: string;
  /** The hostname to connect to: an IPv6 address without the URL's brackets. */
  connectHost: string;
  port: number | undefined;
  /** `host` as the SDK sends and signs it: the port only when the endpoint names one. */
  host: string;
  /** The endpoint's path (a deployed stage's `/<stage>`), without a trailing slash. */
  basePath: string;
  sign: (request: SignableRequest) => Promise<SignableRequest>;
}

let api: ManagementApi | undefined;

function managementApi(): ManagementApi {
  if (!api) {
    const { push, s3 } = getConfig();
    const endpoint = new URL(push.endpoint);
    const secure = endpoint.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: push.concurrency };
    api = {
      request: secure ? httpsRequest : httpRequest,
      agent: secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions),
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      connectHost: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: endpoint.port ? Number(endpoint.port) : undefined,
      host: endpoint.host,
      basePath: endpoint.pathname.replace(/\/+$/, ''),
      sign: executeApiSigner(s3.region, push.localCredentials ? LOCAL_CREDENTIALS : undefined),
    };
  }
  return api;
}

/** The path segment of a connection id, encoded as the SDK encodes a URI label: encodeURIComponent, and !'()* too. */
function connectionPath(connectionId: string): string {
  return `/@connections/${encodeURIComponent(connectionId).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Posts `data` to a connection. Gives up when the request's socket has been silent for
 * `timeoutMs` (a socket timeout, which leaves out the post's wait for a free socket and for this
 * instance's CPU) or when `signal` aborts (the publisher's deadline; one signal shared by every
 * post of a publish, not a timer per post). Never throws.
 */
export async function postToConnection(connectionId: string, data: Uint8Array, timeoutMs: number, signal: AbortSignal): Promise<{ outcome: PostOutcome; error?: unknown }> {
  try {
    // Checked here: a request made with an aborted signal would still open a socket.
    if (signal.aborted) throw new PostAbortedError('PostToConnection: not started, the publish was aborted');
    const gateway = managementApi();
    const signed = await gateway.sign({
      method: 'POST',
      protocol: gateway.protocol,
      hostname: gateway.hostname,
      ...(gateway.port === undefined ? {} : { port: gateway.port }),
      path: gateway.basePath + connectionPath(connectionId),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.byteLength), host: gateway.host },
      body: data,
    });
    // Signing may wait for credentials (a cold start, a role's refresh): a deadline that passed
    // meanwhile must not send the post, whose abort listener would come too late to stop it.
    if (signal.aborted) throw new PostAbortedError('PostToConnection: not sent, the publish was aborted while it was signed');
    await send(gateway, signed, timeoutMs, signal);
    return { outcome: 'delivered' };
  } catch (error) {
    return { outcome: classify(error, signal), error };
  }
}

function send(gateway: ManagementApi, signed: SignableRequest, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = gateway.request(
      { agent: gateway.agent, host: gateway.connectHost, port: gateway.port, method: signed.method, path: signed.path, headers: signed.headers, timeout: timeoutMs },
      (response) => {
        const status = response.statusCode ?? 0;
        response.on('error', reject);
        if (status >= 200 && status < 300) {
          // Read to the end, so that the socket goes back to the agent for the next post.
          response.on('end', resolve).resume();
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const errorType = response.headers['x-amzn-errortype'];
          reject(new PostRefusedError(status, typeof errorType === 'string' ? errorType.split(':')[0] : undefined, Buffer.concat(chunks).toString('utf8').slice(0, 200)));
        });
      },
    );
    request.on('timeout', () => request.destroy(new PostTimeoutError(`PostToConnection: no answer for ${timeoutMs} ms`)));
    request.on('error', reject);
    abortOn(signal, request);
    request.end(signed.body);
  });
}

/**
 * The posts under way per publish signal, so that the signal holds one abort listener for all of
 * them. (Node's `signal` request option adds and removes a listener on the signal per post, and
 * each add walks the listeners already there: as many as posts run at once.)
 */
const underWay = new WeakMap<AbortSignal, Set<ClientRequest>>();

function abortOn(signal: AbortSignal, request: ClientRequest): void {
  let requests = underWay.get(signal);
  if (!requests) {
    const all = (requests = new Set());
    underWay.set(signal, all);
    signal.addEventListener('abort', () => {
      for (const pending of all) pending.destroy(new PostAbortedError('PostToConnection: abandoned, the publish was aborted'));
      all.clear();
    }, { once: true });
  }
  requests.add(request);
  request.once('close', () => requests.delete(request));
}

function classify(error: unknown, signal: AbortSignal): PostOutcome {
  if (error instanceof PostRefusedError) return error.statusCode === 410 ? 'gone' : 'failed';
  if (error instanceof PostTimeoutError || error instanceof PostAbortedError || signal.aborted) return 'timed_out';
  return 'failed';
}

/** Drops the instance's agent and signer (tests that change the endpoint). */
export function resetGatewayClient(): void {
  api?.agent.destroy();
  api = undefined;
}
