// IndexedDB for Dexie in units (jsdom has none).
import 'fake-indexeddb/auto'
