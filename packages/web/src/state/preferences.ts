/**
 * The page's two remembered choices, the language and the colour theme, and how they are read
 * from and written to localStorage. A missing or unknown stored value means "not chosen": the
 * language then follows the browser's languages, the theme the system's colour scheme.
 */
import { type Language, pickLanguage } from "../i18n"

export type ThemeChoice = "system" | "light" | "dark"

export const THEME_CHOICES: ReadonlyArray<ThemeChoice> = ["system", "light", "dark"]
export const LANGUAGES: ReadonlyArray<Language> = ["ja", "en"]

export const LANGUAGE_STORAGE_KEY = "jobs.language"
export const THEME_STORAGE_KEY = "jobs.theme"

/** The subset of the Storage interface used here, so tests can pass a Map-backed fake. */
export interface PreferenceStorage {
  readonly getItem: (key: string) => string | null
  readonly setItem: (key: string, value: string) => void
}

const isLanguage = (value: string | null): value is Language =>
  LANGUAGES.some((language) => language === value)

const isThemeChoice = (value: string | null): value is ThemeChoice =>
  THEME_CHOICES.some((choice) => choice === value)

/** The stored language, or the first supported one of the browser's list. */
export const initialLanguage = (
  storage: PreferenceStorage,
  browserLanguages: ReadonlyArray<string>,
): Language => {
  const stored = storage.getItem(LANGUAGE_STORAGE_KEY)
  return isLanguage(stored) ? stored : pickLanguage(browserLanguages)
}

export const initialTheme = (storage: PreferenceStorage): ThemeChoice => {
  const stored = storage.getItem(THEME_STORAGE_KEY)
  return isThemeChoice(stored) ? stored : "system"
}

/**
 * Applies the choices to the document: `<html lang>`, the title, and `data-theme`, which the
 * stylesheet reads (no attribute means the system's scheme).
 */
export const applyToDocument = (
  root: HTMLElement,
  language: Language,
  theme: ThemeChoice,
): void => {
  root.lang = language
  if (theme === "system") {
    delete root.dataset.theme
  } else {
    root.dataset.theme = theme
  }
}
