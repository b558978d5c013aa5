/**
 * The app's public surface: what the adapters (server/) and the topologies (stages/) may use.
 * Everything else under app/ is the app's own business; biome.json holds that line.
 */
export { SESSION_COOKIE } from './cookies.js';
export { createHandler } from './handler.js';
export { reasonPhrase } from './http-error.js';
export { assetResponse } from './routes/static-files.js';
export { type AppRequest, type AppResponse, type Handler, REQUEST_LIMITS } from './types.js';
