/** The Python engine's page shape: 1-based pageNumber, limit rows a page, total before paging. */
export interface Page<T> {
  readonly items: T[];
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly total: number;
}

export function paginate<T>(items: readonly T[], pageNumber = 1, limit = 100): Page<T> {
  const start = (pageNumber - 1) * limit;
  return { items: items.slice(start, start + limit), pageNumber, pageSize: limit, total: items.length };
}
