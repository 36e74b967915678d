// Calls through the gateway in its X-Ca-* scheme, signed by Alibaba's
// aliyun-api-gateway client, for the tests of the dialects whose apps the
// gateway serves in that scheme.

import aliyun from 'aliyun-api-gateway';

// A location that verifies every call and tells the upstream which app
// made it (X-Tollgate-App-Id); for startGateway's `locations`.
export function appIdLocation(upstream) {
  return `
    location / {
      tollgate on;
      proxy_set_header X-Tollgate-App-Id $tollgate_app_id;
      proxy_pass ${upstream};
    }`;
}

// GETs url signed with key and secret: {status: 200, echo} with what the
// upstream echoed, or the refusal's {status, message}.
export async function xcaGet(url, key, secret) {
  try {
    const echo = await new aliyun.Client(key, secret).get(url);
    return {status: 200, echo};
  } catch (err) {
    return {status: err.code, message: err.data?.headers['x-ca-error-message']};
  }
}
