import { z } from 'zod';
import { ApiErrorBody, ExternalId } from '@examhall/shared';

/** The error responses most routes can give, for the OpenAPI document. */
export const ERROR_RESPONSES = { 400: ApiErrorBody, 401: ApiErrorBody, 404: ApiErrorBody, 409: ApiErrorBody, 422: ApiErrorBody } as const;

export const SittingParams = z.object({ sittingId: ExternalId });
