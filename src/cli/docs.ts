// What `npm run build` renders from the command-line spec besides --help.
export { manPage } from './man-page.js';
export { bashCompletion, zshCompletion } from './completions.js';
