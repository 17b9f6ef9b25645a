import { useId } from "react"
import { type Language, useI18n } from "../i18n"
import { usePreferences } from "../Preferences"
import { LANGUAGES, THEME_CHOICES, type ThemeChoice } from "../state/preferences"

/** Renders the header's language and colour theme switches as labelled selects. */
export const PreferenceSwitches = () => {
  const { messages } = useI18n()
  const text = messages.preferences
  const { language, theme, setLanguage, setTheme } = usePreferences()
  const languageId = useId()
  const themeId = useId()

  return (
    <div className="preferences">
      <div className="preferences__field">
        <label htmlFor={languageId}>{text.languageLabel}</label>
        <select
          id={languageId}
          value={language}
          onChange={(change) => {
            const next = LANGUAGES.find((option) => option === change.target.value)
            if (next !== undefined) {
              setLanguage(next)
            }
          }}
        >
          {LANGUAGES.map((option: Language) => (
            <option key={option} value={option} lang={option}>
              {text.languageNames[option]}
            </option>
          ))}
        </select>
      </div>
      <div className="preferences__field">
        <label htmlFor={themeId}>{text.themeLabel}</label>
        <select
          id={themeId}
          value={theme}
          onChange={(change) => {
            const next = THEME_CHOICES.find((option) => option === change.target.value)
            if (next !== undefined) {
              setTheme(next)
            }
          }}
        >
          {THEME_CHOICES.map((option: ThemeChoice) => (
            <option key={option} value={option}>
              {text.themes[option]}
            </option>
          ))}
        </select>
      </div>
    </div>
  )
}
