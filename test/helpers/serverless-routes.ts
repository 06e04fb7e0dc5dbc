import { readServerlessYml } from '../../scripts/lib/serverless-yml.js';

/** The HTTP routes serverless.yml declares (`httpApi` events), with the function serving each. */

export interface DeclaredRoute {
  /** `GET /api/v1/drivers/{driverId}` */
  routeKey: string;
  /** The function's name in serverless.yml, which is also its folder under functions/. */
  functionName: string;
}

interface ServerlessYml {
  functions: Record<string, { handler: string; events?: Array<Record<string, unknown>> }>;
}

export function declaredHttpRoutes(): DeclaredRoute[] {
  const config = readServerlessYml() as ServerlessYml;
  const routes: DeclaredRoute[] = [];
  for (const [functionName, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      const httpApi = event.httpApi;
      if (httpApi === undefined) continue;
      const routeKey = typeof httpApi === 'string' ? httpApi : `${String((httpApi as { method: string }).method).toUpperCase()} ${(httpApi as { path: string }).path}`;
      routes.push({ routeKey: routeKey.replace(/\s+/g, ' ').trim(), functionName });
    }
  }
  return routes;
}


