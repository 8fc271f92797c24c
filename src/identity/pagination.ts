import { badRequest } from '../common/errors.js';
import { withQuery } from '../common/url.js';

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 500;

export interface Pagination {
  page: number;
  perPage: number;
}

/**
 * Reads `page` (from 1) and `per_page` (1 to 500, larger values are lowered to 500).
 *
 * @throws HttpError 400 when either is not a positive whole number.
 */
export function parsePagination(page: unknown, perPage: unknown): Pagination {
  return {
    page: parsePositive('page', page, 1),
    perPage: Math.min(parsePositive('per_page', perPage, DEFAULT_PER_PAGE), MAX_PER_PAGE),
  };
}

function parsePositive(name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === '') {
    return fallback;
  }
  if (typeof value !== 'string' || !/^[0-9]{1,9}$/.test(value) || Number(value) < 1) {
    throw badRequest(
      `The query parameter ${name} must be a whole number of at least 1, but is ${JSON.stringify(value)}.`,
    );
  }

  return Number(value);
}

/** Builds an RFC 8288 Link header with first, prev and next pages. */
export function paginationLinks(baseUrl: string, pagination: Pagination, hasNext: boolean): string {
  const link = (page: number, rel: string) => {
    const url = withQuery(baseUrl, { page: String(page), per_page: String(pagination.perPage) });

    return `<${url}>; rel="${rel}"`;
  };
  const links = [link(1, 'first')];
  if (pagination.page > 1) {
    links.push(link(pagination.page - 1, 'prev'));
  }
  if (hasNext) {
    links.push(link(pagination.page + 1, 'next'));
  }

  return links.join(', ');
}
