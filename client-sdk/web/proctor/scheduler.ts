/** Runs `frame` at most once per animation frame, however many changes asked for it. */
export class FrameScheduler {
  private pending = false;

  constructor(private readonly frame: () => void) {}

  request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.frame();
    });
  }

  /** Asks for a frame no sooner than `ms` from now. */
  requestIn(ms: number): void {
    setTimeout(() => this.request(), ms);
  }
}
