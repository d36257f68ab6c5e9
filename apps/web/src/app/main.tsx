import { render } from 'preact';
import './app.css';
import { App } from './shell.js';

const root = document.getElementById('app');
if (root === null) throw new Error('#app is missing from the page');
render(<App />, root);
