import { z } from 'zod';
import { defineSettings, port, setting } from './settings.js';

export const httpSettings = defineSettings('HTTP API', {
  http: {
    host: setting('HTTP_HOST', z.string().min(1).default('127.0.0.1'), 'address of the HTTP API'),
    port: setting('HTTP_PORT', port.default(3000), 'port of the HTTP API'),
  },
  adminToken: setting(
    'ADMIN_API_TOKEN',
    z.string().min(24, 'use at least 24 characters').optional(),
    'bearer token of the staff endpoints (24+ characters); unset: they answer 403',
  ),
});
