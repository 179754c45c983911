/** Reading a process's GET /metrics (Prometheus text) in tests. */

/**
 * The value of one series on the /metrics of the server at `url` (its origin), by its exact
 * name and labels as printed (`name` or `name{label="value",…}`); 0 when it is not there yet (a
 * labelled series appears on its first count).
 */
export async function metricSample(url: string, series: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
