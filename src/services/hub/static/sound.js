/**
 * The new-order sound: a short two-tone beep synthesised with WebAudio (no audio files). Browsers
 * start audio only after a user gesture, so until the cook taps once the page shows a big
 * "tap to enable sound" overlay; the tap unlocks an AudioContext that later beeps reuse.
 */

export class Beeper {
  /** @type {AudioContext | undefined} */
  #context;

  get enabled() {
    return this.#context?.state === "running";
  }

  /** Creates or resumes the AudioContext; call from a tap handler. */
  async unlock() {
    this.#context ??= new AudioContext();
    if (this.#context.state !== "running") await this.#context.resume();
    this.#tone(0, 0.01, 440); // an almost silent blip completes the unlock on some tablets
  }

  /** Two rising tones, about 0.4 s; silent (and harmless) while audio is locked. */
  beep() {
    if (!this.enabled) return;
    this.#tone(0, 0.35, 880);
    this.#tone(0.18, 0.35, 1320);
  }

  /**
   * @param {number} delay seconds from now
   * @param {number} volume 0..1
   * @param {number} hz
   */
  #tone(delay, volume, hz) {
    const ctx = this.#context;
    if (!ctx) return;
    const start = ctx.currentTime + delay;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.setValueAtTime(hz, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(Math.max(volume, 0.0002), start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.18);
  }
}

/**
 * Shows `overlay` until one tap unlocks the sound, then hides it for good.
 * @param {Beeper} beeper
 * @param {HTMLElement} overlay
 */
export function armSoundOverlay(beeper, overlay) {
  overlay.hidden = false;
  overlay.addEventListener("click", async () => {
    overlay.hidden = true;
    try {
      await beeper.unlock();
    } catch (error) {
      console.warn("audio could not be enabled", error);
    }
    document.body.dataset.sound = beeper.enabled ? "on" : "off";
  }, { once: true });
}
