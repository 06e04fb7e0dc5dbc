import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * SigV4 for the API Gateway Management API (service `execute-api`), by the SDK's own signer
 * (@smithy/signature-v4) rather than its client: the signer is one object per instance, it caches
 * the signing key per day, region and service, and the credentials come from the SDK's default
 * provider chain, which keeps them and fetches new ones before they expire.
 */

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** What the signer needs: a request as the SDK's HttpRequest shapes it (path unencoded by the signer, headers lower-case). */
export interface SignableRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** SHA-256 and HMAC-SHA-256 by node's crypto (native), in the shape the signer constructs (`new Sha256(secret?)`). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', hmacKey(secret));
  }

  update(data: SourceData): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

/**
 * The signer's HMAC keys: strings, and byte arrays it derives once a day and keeps (the signing
 * key). node's crypto takes a byte-array key four times slower than a string or a KeyObject (16 µs
 * against 4 per post), so each byte array's KeyObject is made once.
 */
const keyObjects = new WeakMap<object, KeyObject>();

function hmacKey(secret: SourceData): string | KeyObject {
  if (typeof secret === 'string') return secret;
  let key = keyObjects.get(secret);
  if (!key) keyObjects.set(secret, (key = createSecretKey(bytes(secret))));
  return key;
}

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Signs requests to `execute-api` in `region` with `credentials` (fixed ones, as locally) or else
 * the default provider chain's (environment, profile, container or instance role...).
 */
export function executeApiSigner(region: string, credentials?: Credentials): (request: SignableRequest) => Promise<SignableRequest> {
  const signer = new SignatureV4({ service: 'execute-api', region, sha256: NodeSha256, credentials: credentials ?? defaultProvider(), uriEscapePath: true, applyChecksum: true });
  return async (request) => (await signer.sign(request)) as SignableRequest;
}
