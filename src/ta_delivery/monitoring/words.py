"""The few words of the monitoring reports in the three working languages."""

from __future__ import annotations

__all__ = ["word"]

WORDS: dict[str, dict[str, str]] = {
    "activity_report": {"en": "Activity report", "fr": "Rapport d'activité", "es": "Informe de actividad"},
    "delivered": {"en": "What was delivered", "fr": "Ce qui a été réalisé", "es": "Lo que se impartió"},
    "sessions": {"en": "Sessions", "fr": "Sessions", "es": "Sesiones"},
    "live": {"en": "live", "fr": "en direct", "es": "en directo"},
    "recorded": {"en": "recorded", "fr": "enregistrées", "es": "grabadas"},
    "hours": {"en": "Hours", "fr": "Heures", "es": "Horas"},
    "period": {"en": "Period", "fr": "Période", "es": "Periodo"},
    "providers": {"en": "Classrooms", "fr": "Classes virtuelles", "es": "Aulas virtuales"},
    "languages": {"en": "Languages", "fr": "Langues", "es": "Idiomas"},
    "trainers": {"en": "Trainers", "fr": "Formateurs", "es": "Formadores"},
    "participants": {"en": "Participants", "fr": "Participants", "es": "Participantes"},
    "who": {"en": "Who took part", "fr": "Qui a participé", "es": "Quién participó"},
    "country": {"en": "Country", "fr": "Pays", "es": "País"},
    "gender": {"en": "Gender", "fr": "Genre", "es": "Género"},
    "organisation": {"en": "Organisation", "fr": "Organisation", "es": "Organización"},
    "centre": {"en": "Reference centre", "fr": "Centre de référence", "es": "Centro de referencia"},
    "ldc": {
        "en": "Least developed countries",
        "fr": "Pays les moins avancés",
        "es": "Países menos adelantados",
    },
    "completed": {"en": "Completed", "fr": "Ont terminé", "es": "Completaron"},
    "not_completed": {"en": "Not (yet) completed", "fr": "Pas (encore) terminé", "es": "No completado (aún)"},
    "attendance": {
        "en": "Attendance and completion",
        "fr": "Présence et achèvement",
        "es": "Asistencia y finalización",
    },
    "attendance_rate": {"en": "Attendance rate", "fr": "Taux de présence", "es": "Tasa de asistencia"},
    "completion_rate": {"en": "Completion rate", "fr": "Taux d'achèvement", "es": "Tasa de finalización"},
    "evaluation": {"en": "Evaluation", "fr": "Évaluation", "es": "Evaluación"},
    "responses": {"en": "Responses", "fr": "Réponses", "es": "Respuestas"},
    "response_rate": {"en": "Response rate", "fr": "Taux de réponse", "es": "Tasa de respuesta"},
    "trouble": {
        "en": "Sessions that had trouble",
        "fr": "Sessions en difficulté",
        "es": "Sesiones con problemas",
    },
    "none": {"en": "None.", "fr": "Aucune.", "es": "Ninguna."},
    "female": {"en": "female", "fr": "femmes", "es": "mujeres"},
    "male": {"en": "male", "fr": "hommes", "es": "hombres"},
    "other": {"en": "other", "fr": "autre", "es": "otro"},
    "unspecified": {"en": "not stated", "fr": "non précisé", "es": "no indicado"},
    "yes": {"en": "yes", "fr": "oui", "es": "sí"},
    "source": {"en": "Source", "fr": "Source", "es": "Fuente"},
    "programme_report": {
        "en": "Programme monitoring",
        "fr": "Suivi du programme",
        "es": "Seguimiento del programa",
    },
    "courses": {"en": "Courses", "fr": "Cours", "es": "Cursos"},
    "people": {"en": "Distinct people", "fr": "Personnes distinctes", "es": "Personas distintas"},
    "continuity": {"en": "Continuity", "fr": "Continuité", "es": "Continuidad"},
    "dropped": {
        "en": "Dropped out after the first sessions",
        "fr": "Abandons après les premières sessions",
        "es": "Abandonos tras las primeras sesiones",
    },
    "progression": {"en": "Progression", "fr": "Progression", "es": "Progresión"},
    "elearning_completed": {
        "en": "E-learning completed",
        "fr": "E-learning terminé",
        "es": "E-learning completado",
    },
    "advanced_enrolled": {
        "en": "Enrolled in advanced courses",
        "fr": "Inscrits aux cours avancés",
        "es": "Inscritos en cursos avanzados",
    },
    "live_sessions": {"en": "Live sessions", "fr": "Sessions en direct", "es": "Sesiones en directo"},
}


def word(key: str, language: str) -> str:
    """``key`` in ``language`` (English where a word is missing)."""
    entry = WORDS[key]
    return entry.get(language) or entry["en"]
