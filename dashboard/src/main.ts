import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createWallI18n } from './i18n/index.ts'
import './styles/wall.css'
import './styles/forms.css'
import './styles/tone.css'

createApp(App).use(createPinia()).use(createWallI18n()).mount('#app')
