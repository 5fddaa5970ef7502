/** Wall palette shared by CSS (as custom properties in wall.css) and the canvas charts. */
export const THEME = {
  text: '#e8f1ff',
  textDim: '#8ea3c7',
  axis: '#2a3d5e',
  split: '#17263f',
  reported: '#35a7ff',
  open: '#ffb547',
  overdue: '#ff4d5e',
  good: '#3ddc97',
  /** Heatmap ramp: near-background for zero, warm for the peaks; readable on dark glass. */
  heat: ['#0f1c30', '#123f63', '#1676a3', '#2fb3c9', '#9fe07a', '#ffd34d', '#ff7a45'],
} as const
