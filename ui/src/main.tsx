import { render } from 'preact';
import { loadConfig } from './api.js';
import { App } from './app.js';

const root = document.getElementById('app')!;
loadConfig().then(
  (config) => {
    root.textContent = ''; // the static "Loading…" placeholder
    render(<App config={config} />, root);
  },
  (error: unknown) => {
    root.textContent = `Could not load the page's configuration: ${(error as Error).message}`;
  },
);
