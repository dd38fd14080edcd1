/**
 * The small part of playwright-core's API these tests use. Declared here so that the
 * root build compiles without test/e2e/node_modules; the module itself is loaded at
 * run time from there (see browser.ts).
 */
export interface Locator {
  click(options?: { timeout?: number; button?: 'left' | 'right'; force?: boolean; position?: { x: number; y: number } }): Promise<void>;
  hover(options?: { timeout?: number; force?: boolean }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  press(key: string, options?: { timeout?: number }): Promise<void>;
  waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  count(): Promise<number>;
  first(): Locator;
  last(): Locator;
  nth(i: number): Locator;
  locator(selector: string, options?: { hasText?: string | RegExp; has?: Locator }): Locator;
  filter(options: { hasText?: string | RegExp; has?: Locator }): Locator;
  textContent(options?: { timeout?: number }): Promise<string | null>;
  allTextContents(): Promise<string[]>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  isVisible(): Promise<boolean>;
  screenshot(options?: { path?: string }): Promise<Buffer>;
  frameLocator(selector: string): FrameLocator;
}

/** The document inside an iframe (a webview's page). */
export interface FrameLocator {
  locator(selector: string, options?: { hasText?: string | RegExp; has?: Locator }): Locator;
  frameLocator(selector: string): FrameLocator;
}

export interface Keyboard {
  press(key: string, options?: { delay?: number }): Promise<void>;
  type(text: string, options?: { delay?: number }): Promise<void>;
  insertText(text: string): Promise<void>;
}

export interface Page {
  goto(url: string, options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit' }): Promise<unknown>;
  locator(selector: string, options?: { hasText?: string | RegExp; has?: Locator }): Locator;
  frameLocator(selector: string): FrameLocator;
  keyboard: Keyboard;
  mouse: { move(x: number, y: number): Promise<void> };
  screenshot(options?: { path?: string; fullPage?: boolean }): Promise<Buffer>;
  exposeFunction(name: string, fn: (...args: never[]) => unknown): Promise<void>;
  waitForTimeout(ms: number): Promise<void>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number; polling?: number | 'raf' }): Promise<unknown>;
  evaluate<R>(fn: string | (() => R)): Promise<R>;
  on(event: 'console', listener: (msg: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', listener: (err: Error) => void): void;
  setDefaultTimeout(ms: number): void;
  close(): Promise<void>;
}

export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface PlaywrightCore {
  chromium: {
    launchPersistentContext(userDataDir: string, options: {
      executablePath: string;
      headless: boolean;
      args: string[];
      viewport?: { width: number; height: number };
      timeout?: number;
    }): Promise<BrowserContext>;
  };
}
