// Placeholder until the single-executable build lands: builds nothing yet.
console.log('build: nothing to build yet');
