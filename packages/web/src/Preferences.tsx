/**
 * Holds the chosen language and colour theme for the whole page, remembers them in
 * localStorage, and provides the matching I18n to every component.
 */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react"
import { dictionaries, I18nContext, type Language } from "./i18n"
import {
  applyToDocument,
  initialLanguage,
  initialTheme,
  LANGUAGE_STORAGE_KEY,
  type PreferenceStorage,
  THEME_STORAGE_KEY,
  type ThemeChoice,
} from "./state/preferences"

export interface Preferences {
  readonly language: Language
  readonly theme: ThemeChoice
  readonly setLanguage: (language: Language) => void
  readonly setTheme: (theme: ThemeChoice) => void
}

const PreferencesContext = createContext<Preferences | null>(null)

export const usePreferences = (): Preferences => {
  const preferences = useContext(PreferencesContext)
  if (preferences === null) {
    throw new Error("usePreferences needs a PreferencesProvider above the component")
  }
  return preferences
}

/**
 * localStorage, which throws when the browser forbids storage (some private modes, or a
 * sandboxed frame). Then a choice lasts until the page is reloaded, and the console logs why.
 */
export const browserStorage: PreferenceStorage = {
  getItem: (key) => {
    try {
      return window.localStorage.getItem(key)
    } catch (error) {
      console.warn("could not read a preference from localStorage", { key, error })
      return null
    }
  },
  setItem: (key, value) => {
    try {
      window.localStorage.setItem(key, value)
    } catch (error) {
      console.warn("could not store a preference in localStorage", { key, error })
    }
  },
}

/** Reads the stored choices and applies them before the first render, so nothing flickers. */
export const readInitialPreferences = () => {
  const language = initialLanguage(browserStorage, navigator.languages)
  const theme = initialTheme(browserStorage)
  applyToDocument(document.documentElement, language, theme)
  return { language, theme }
}

export const PreferencesProvider = ({
  initial,
  children,
}: {
  readonly initial: { readonly language: Language; readonly theme: ThemeChoice }
  readonly children: ReactNode
}) => {
  const [language, setLanguageState] = useState(initial.language)
  const [theme, setThemeState] = useState(initial.theme)

  useEffect(() => {
    applyToDocument(document.documentElement, language, theme)
    document.title = dictionaries[language].appName
  }, [language, theme])

  const preferences = useMemo<Preferences>(
    () => ({
      language,
      theme,
      setLanguage: (next) => {
        browserStorage.setItem(LANGUAGE_STORAGE_KEY, next)
        setLanguageState(next)
      },
      setTheme: (next) => {
        browserStorage.setItem(THEME_STORAGE_KEY, next)
        setThemeState(next)
      },
    }),
    [language, theme],
  )
  const i18n = useMemo(() => ({ language, messages: dictionaries[language] }), [language])

  return (
    <PreferencesContext.Provider value={preferences}>
      <I18nContext.Provider value={i18n}>{children}</I18nContext.Provider>
    </PreferencesContext.Provider>
  )
}
