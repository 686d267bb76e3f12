import { render } from 'preact';
import './theme.ts';
import { App } from './components/App.tsx';
import { boot } from './session.ts';

render(<App />, document.getElementById('app')!);
void boot();
