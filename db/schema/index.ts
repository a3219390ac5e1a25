export * from './knowledge';
export * from './jobs';
export * from './projects';
export * from './tasks';
export * from './accounts';
export * from './crawl';
export * from './runner';
export * from './uploads';
