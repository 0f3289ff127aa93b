import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In dev, /api and /whisker-backend go to a local `verdict serve` (VERDICT_URL, default http://127.0.0.1:8080).
const target = process.env.VERDICT_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true },
      '/whisker-backend': { target, changeOrigin: true },
    },
  },
});
