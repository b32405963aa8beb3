import { byId } from "./dom.js";

/**
 * The connection light in the header: "live" while every stream is up, otherwise which stream is
 * reconnecting and why.
 */
export class StatusLight {
  private readonly problems = new Map<string, string>();
  private readonly connected = new Set<string>();

  constructor(private readonly names: readonly string[]) {}

  /** A stream is up. */
  up(name: string): void {
    this.problems.delete(name);
    this.connected.add(name);
    this.show();
  }

  /** A stream failed and will retry. */
  down(name: string, why: string): void {
    this.connected.delete(name);
    this.problems.set(name, why);
    this.show();
  }

  /** Streams were paused on purpose (the tab is hidden). */
  paused(): void {
    this.connected.clear();
    this.problems.clear();
    this.render("paused", "paused while the tab is hidden");
  }

  private show(): void {
    const [name, why] = this.problems.entries().next().value ?? [];
    if (name !== undefined) this.render("down", `${name}: reconnecting (${why})`);
    else if (this.names.every((n) => this.connected.has(n))) this.render("live", "live");
    else this.render("connecting", "connecting…");
  }

  private render(state: string, text: string): void {
    const light = byId("status");
    light.dataset.state = state;
    light.textContent = text;
  }
}
