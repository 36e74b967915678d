// Alibaba's X-Ca-* signature, as `tollgate sign` makes it (see
// include/tollgate/xca.h for the string to sign), computed in the
// browser: HMAC-SHA256 with WebCrypto, and MD5 (for Content-MD5, which
// WebCrypto lacks) below.

const utf8 = new TextEncoder();

function base64(bytes) {
  let s = '';
  for (const b of bytes) {
    s += String.fromCharCode(b);
  }
  return btoa(s);
}

const MD5_SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({length: 64}, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

// RFC 1321's MD5 of bytes (a Uint8Array); a Uint8Array of 16.
export function md5(bytes) {
  const total = (((bytes.length + 8) >>> 6) + 1) * 64;
  const buf = new Uint8Array(total);
  buf.set(bytes);
  buf[bytes.length] = 0x80;
  const dv = new DataView(buf.buffer);
  const bits = bytes.length * 8;
  dv.setUint32(total - 8, bits >>> 0, true);
  dv.setUint32(total - 4, Math.floor(bits / 2 ** 32), true);

  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let off = 0; off < total; off += 64) {
    let [a, b, c, d] = h;
    for (let i = 0; i < 64; i++) {
      let f, g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      f = (f + a + MD5_K[i] + dv.getUint32(off + 4 * g, true)) >>> 0;
      const s = MD5_SHIFTS[(i >> 4) * 4 + (i % 4)];
      a = d;
      d = c;
      c = b;
      b = (b + ((f << s) | (f >>> (32 - s)))) >>> 0;
    }
    h[0] = (h[0] + a) >>> 0;
    h[1] = (h[1] + b) >>> 0;
    h[2] = (h[2] + c) >>> 0;
    h[3] = (h[3] + d) >>> 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  h.forEach((v, i) => ov.setUint32(i * 4, v, true));
  return out;
}

export function contentMd5(body) {
  return base64(md5(utf8.encode(body)));
}

// Percent-decoding with '+' as a space; a '%' not before two hex digits
// stays as it is.
function decode(s) {
  const bytes = [];
  const src = utf8.encode(s.replace(/\+/g, ' '));
  for (let i = 0; i < src.length; i++) {
    const hex = String.fromCharCode(src[i + 1] || 0, src[i + 2] || 0);
    if (src[i] === 0x25 && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(src[i]);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

// The signed form of a query: decoded, sorted, "k=v" or "k" joined by '&'.
export function canonicalQuery(q) {
  const params = new Map();
  for (const piece of q.split('&')) {
    if (piece === '') {
      continue;
    }
    const eq = piece.indexOf('=');
    const k = decode(eq < 0 ? piece : piece.slice(0, eq));
    const v = eq < 0 ? '' : decode(piece.slice(eq + 1));
    if (params.has(k)) {
      throw new Error(`the parameter ${k} is repeated: the gateway refuses a parameter sent twice`);
    }
    params.set(k, v);
  }
  const keys = [...params.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return keys.map((k) => (params.get(k) === '' ? k : `${k}=${params.get(k)}`)).join('&');
}

// Signs a call: {method, url, body, stage, appKey, appSecret}; returns
// {sts, headers (name -> value, in sending order), signature}.
export async function signCall({method, url, body, stage, appKey, appSecret, now, nonce}) {
  const u = new URL(url);
  const headers = new Map();
  headers.set('x-ca-key', appKey);
  headers.set('x-ca-timestamp', String(now ?? Date.now()));
  headers.set('x-ca-nonce', nonce ?? crypto.randomUUID());
  headers.set('x-ca-stage', stage || 'RELEASE');
  const signed = [...headers.keys()];
  headers.set('x-ca-signature-headers', signed.join(','));
  headers.set('accept', 'application/json');
  if (body) {
    headers.set('content-type', 'application/json; charset=UTF-8');
    headers.set('content-md5', contentMd5(body));
  }

  const q = canonicalQuery(u.search.replace(/^\?/, ''));
  const sts = [method, headers.get('accept') || '', headers.get('content-md5') || '',
    headers.get('content-type') || '', ''].join('\n') + '\n' +
    [...signed].sort().map((n) => `${n}:${headers.get(n)}\n`).join('') +
    u.pathname + (q ? `?${q}` : '');

  const key = await crypto.subtle.importKey('raw', utf8.encode(appSecret),
      {name: 'HMAC', hash: 'SHA-256'}, false, ['sign']);
  const signature = base64(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(sts))));
  headers.set('x-ca-signature', signature);
  return {sts, headers, signature};
}

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function curlLine(method, url, headers, body) {
  const parts = ['curl', '-sS', '-X', method, shellQuote(url)];
  for (const [n, v] of headers) {
    parts.push('-H', shellQuote(`${n}: ${v}`));
  }
  if (body) {
    parts.push('--data-raw', shellQuote(body));
  }
  return parts.join(' ');
}
