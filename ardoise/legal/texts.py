"""What Ardoise writes in the town's statements: its own part of the accessibility statement, and the defaults of
the processing notice and of the register of processing, which the town completes (`models`)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Accessibility: what the software guarantees and how it is checked, whatever the town.
ARDOISE_COMMITMENTS: tuple[Promise, ...] = (
    _(
        "chaque page du portail famille et de l'espace du personnel est vérifiée automatiquement par axe-core, "
        "sur téléphone et sur ordinateur, à chaque modification du logiciel : aucune erreur n'est acceptée ;"
    ),
    _(
        "un parcours complet (réserver une semaine, annuler un jour, déclarer une absence, payer) est testé au "
        "clavier seul, avec un focus visible à chaque étape ;"
    ),
    _(
        "la couleur n'est jamais la seule information (motifs et légendes), les contrastes des couleurs sont "
        "vérifiés, et le texte peut être agrandi à 200 % ;"
    ),
    _("chaque case du planning annonce aux lecteurs d'écran l'enfant, l'activité, le jour, l'état et la date limite."),
)
DEFAULT_TOOLS = _("axe-core (tests automatisés du logiciel Ardoise), Chromium, navigation au clavier, NVDA et Firefox")
DEFAULT_PAGES = _(
    "Connexion ; accueil ; planning des réservations ; absences ; factures et paiement en ligne ; "
    "dossier de la famille ; messages ; inscription en ligne ; déclaration d'accessibilité"
)
DEFAULT_NOT_SUBJECT = _(
    "Les documents bureautiques publiés par la commune avant le 23 septembre 2018 (menus, règlements) "
    "et les contenus de tiers que la commune ne finance ni ne contrôle."
)

# Recourse to the Défenseur des droits (the DINUM's model statement gives these three ways).
DEFENSEUR_FORM_URL = "https://formulaire.defenseurdesdroits.fr/"
DEFENSEUR_DELEGATES_URL = "https://www.defenseurdesdroits.fr/carte-des-delegues"
DEFENSEUR_LETTER = "Défenseur des droits\nLibre réponse 71120\n75342 Paris CEDEX 07"

# The CNIL, for a complaint about personal data.
CNIL_COMPLAINT_URL = "https://www.cnil.fr/fr/plaintes"
CNIL_ADDRESS = (
    "Commission nationale de l'informatique et des libertés\n3 place de Fontenoy\nTSA 80715\n75334 Paris CEDEX 07"
)

# The processing notice's defaults (the town adds its own recipients, retention details and information).
LEGAL_BASIS = _(
    "L'exécution d'une mission d'intérêt public dont est investie la commune (article 6.1.e du RGPD) : "
    "l'organisation de la restauration scolaire et de l'accueil périscolaire. Les données de santé d'un enfant "
    "(allergies, projet d'accueil individualisé) ne sont traitées que lorsqu'elles sont nécessaires à sa prise en "
    "charge, pour un motif d'intérêt public (article 9.2.g du RGPD). Le paiement par prélèvement et la consultation "
    "du quotient familial auprès de la CAF reposent sur votre accord, que vous pouvez retirer."
)
FINALITIES: tuple[Promise, ...] = (
    _(
        "inscrire les enfants aux services (restauration scolaire, accueils du matin et du soir, études, mercredis, "
        "vacances) et gérer les réservations, les absences et les présences ;"
    ),
    _(
        "assurer la sécurité et la santé des enfants : allergies, régimes alimentaires, personnes autorisées à venir "
        "les chercher ;"
    ),
    _(
        "calculer les tarifs (quotient familial), facturer, encaisser les paiements et suivre les impayés avec le "
        "comptable public ;"
    ),
    _("communiquer avec les familles (messages, confirmations, rappels) ;"),
    _("établir les statistiques demandées par les partenaires, notamment la CAF, sans nom d'enfant."),
)
DATA_CATEGORIES: tuple[Promise, ...] = (
    _("identité et coordonnées des responsables légaux (nom, adresse, téléphones, courriel) ;"),
    _("identité des enfants (nom, prénom, date de naissance, école et classe) et personnes autorisées ;"),
    _("situation familiale utile au tarif : quotient familial, numéro d'allocataire ;"),
    _("réservations, présences, absences et leurs justificatifs ;"),
    _("factures, paiements et, si vous choisissez le prélèvement, vos coordonnées bancaires (IBAN) ;"),
    _(
        "données de santé, uniquement lorsqu'elles sont nécessaires à la prise en charge de l'enfant : allergies, "
        "projet d'accueil individualisé (PAI), régime alimentaire exprimé comme un régime (par exemple « sans "
        "viande »), jamais comme une religion."
    ),
)
RECIPIENTS: tuple[Promise, ...] = (
    _(
        "les agents habilités de la commune, chacun pour ce que sa mission demande (les données de santé ne sont "
        "visibles que du personnel qui s'occupe de l'enfant et de la cuisine) ;"
    ),
    _("le comptable public (Trésor public) pour les factures et leur recouvrement ;"),
    _("la CAF ou la MSA pour le quotient familial, et des statistiques sans nom d'enfant ;"),
    _("l'hébergeur du logiciel, qui agit pour le compte de la commune, en France ou dans l'Union européenne."),
)


def years(count: int) -> str:
    return ngettext("%(count)d an", "%(count)d ans", count) % {"count": count}


def retention_periods(family_years: int, audit_years: int, log_days: int) -> tuple[str, ...]:
    """How long each kind of data is kept, with the town's own settings (privacy's retention of a family's file,
    the audit trail's) and the server's log rotation."""
    return (
        _(
            "le dossier de la famille et des enfants : tant que la famille utilise les services, puis au plus "
            "%(years)s après le dernier jour de service, avant d'être rendu anonyme ;"
        )
        % {"years": years(family_years)},
        str(_("les factures, avoirs et paiements : dix ans, comme toute pièce comptable ;")),
        str(_("les justificatifs : le temps de leur validité ;")),
        _("le journal des actions du personnel : %(years)s ;") % {"years": years(audit_years)},
        ngettext(
            "les journaux techniques du serveur : %(count)d jour.",
            "les journaux techniques du serveur : %(count)d jours.",
            log_days,
        )
        % {"count": log_days},
    )


RIGHTS = _(
    "Vous pouvez accéder à vos données, les faire rectifier, en demander l'effacement ou la limitation, et vous "
    "opposer à leur traitement pour des raisons tenant à votre situation particulière. Vous pouvez télécharger les "
    "données de votre famille depuis le portail, ou écrire au délégué à la protection des données de la commune. "
    "Une réponse vous est donnée dans un délai d'un mois."
)
TRANSFERS = _("Aucun transfert hors de l'Union européenne.")
SECURITY: tuple[Promise, ...] = (
    _("accès par compte personnel, mots de passe hachés (argon2), limitation des tentatives de connexion ;"),
    _("droits du personnel par rôle ; données de santé réservées aux rôles qui en ont besoin ;"),
    _("journal des actions du personnel ; connexions chiffrées (HTTPS) ;"),
    _("chaque commune ne voit que ses propres données ; sauvegardes régulières."),
)


LEGAL_BASIS_SHORT = _("Mission d'intérêt public (article 6.1.e du RGPD)")


@dataclass(frozen=True)
class Processing:
    """One line of the register of processing (article 30 of the RGPD)."""

    name: Promise
    finalities: Promise
    people: Promise
    data: Promise
    recipients: Promise
    retention: Promise
    legal_basis: Promise = LEGAL_BASIS_SHORT


PROCESSINGS: tuple[Processing, ...] = (
    Processing(
        name=_("Portail famille, inscriptions et facturation des services périscolaires"),
        finalities=_("Inscrire les enfants, gérer réservations, absences et présences, facturer et encaisser."),
        people=_("Responsables légaux, enfants, personnes autorisées à venir chercher l'enfant, agents."),
        data=_(
            "Identité, coordonnées, école et classe, quotient familial, réservations, présences, factures, paiements."
        ),
        recipients=_("Agents habilités de la commune ; comptable public ; hébergeur (sous-traitant)."),
        retention=_(
            "Dossier : %(family_years)s après le dernier jour de service, puis anonymisé ; pièces comptables : dix ans."
        ),
    ),
    Processing(
        name=_("Restauration scolaire : allergies, régimes et projets d'accueil individualisés"),
        finalities=_("Protéger la santé des enfants pendant les repas et les accueils."),
        people=_("Enfants inscrits à la restauration ou aux accueils."),
        data=_("Allergies, PAI, régime alimentaire exprimé comme un régime (jamais comme une religion)."),
        recipients=_("Agents de l'accueil, des écoles et de la cuisine qui prennent l'enfant en charge."),
        retention=_("Tant que l'enfant fréquente les services ; supprimées à l'anonymisation du dossier."),
    ),
    Processing(
        name=_("Prélèvements automatiques SEPA"),
        finalities=_("Payer les factures par prélèvement, sur mandat de la famille."),
        people=_("Responsables légaux titulaires du compte."),
        data=_("Titulaire, IBAN, BIC, référence du mandat, prélèvements et rejets."),
        recipients=_("Régie de la commune ; banque de la commune ; comptable public."),
        retention=_("Durée du mandat puis treize mois ; pièces comptables : dix ans."),
        legal_basis=_("Mandat signé par la famille, dans le cadre de la mission d'intérêt public"),
    ),
    Processing(
        name=_("Paiement en ligne (PayFiP)"),
        finalities=_("Payer les factures et réservations en ligne."),
        people=_("Responsables légaux payeurs."),
        data=_("Référence de la facture, montant, résultat du paiement (la carte n'est jamais vue par la commune)."),
        recipients=_("Régie ; Direction générale des finances publiques (PayFiP)."),
        retention=_("Dix ans, comme pièce comptable."),
    ),
    Processing(
        name=_("Quotient familial (API Particulier)"),
        finalities=_("Appliquer le tarif correspondant au quotient familial, avec l'accord de la famille."),
        people=_("Allocataires CAF ou MSA responsables légaux."),
        data=_("Numéro d'allocataire, quotient familial, identité de l'allocataire, date de l'accord."),
        recipients=_("Agents de l'accueil et de la régie ; CAF ou MSA via API Particulier (DINUM)."),
        retention=_("Historique tant que la famille utilise les services, puis %(family_years)s."),
        legal_basis=_("Accord de la famille, dans le cadre de la mission d'intérêt public"),
    ),
    Processing(
        name=_("Messages et notifications aux familles"),
        finalities=_("Échanger avec les familles, confirmer les réservations, rappeler les échéances."),
        people=_("Responsables légaux, agents."),
        data=_("Courriel, messages et pièces jointes, préférences de notification."),
        recipients=_("Agents de l'accueil ; prestataire d'envoi des courriels (sous-traitant)."),
        retention=_("%(family_years)s après le dernier jour de service, puis anonymisés."),
    ),
    Processing(
        name=_("Comptes et journal des actions du personnel"),
        finalities=_("Sécuriser les accès et tracer les modifications faites par le personnel."),
        people=_("Agents de la commune, responsables légaux (connexions)."),
        data=_(
            "Identifiant, rôles, dates de connexion, actions effectuées (jamais de mot de passe ni de donnée de santé)."
        ),
        recipients=_("Administrateurs de la commune."),
        retention=_("Journaux techniques du serveur : %(log_days)s jours ; journal des actions : %(audit_years)s."),
    ),
)
