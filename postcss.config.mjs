// Tailwind v4: the PostCSS plugin lives in its own package; there is no tailwind.config.js.
export default { plugins: { '@tailwindcss/postcss': {} } };
