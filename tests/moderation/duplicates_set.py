"""A seeded set of contributions with known near-duplicates (realistic French titles, typos included).

PAIRS: (original, duplicate, distance in metres between them). DECOYS share words or places with
the originals without being the same request."""

PAIRS = (
    (
        (
            "Installer des bancs le long de l'allée des Tilleuls",
            "Les personnes âgées n'ont nulle part où s'asseoir entre la pharmacie et l'arrêt de bus.",
            "cadre-de-vie-espaces-publics",
        ),
        (
            "Des bancs allée des tilleuls svp",
            "Ma mère ne peut pas marcher jusqu'au bus sans s'arrêter, il faut des bancs.",
            "cadre-de-vie-espaces-publics",
        ),
        35,
    ),
    (
        (
            "Éclairage insuffisant rue Jean Jaurès le soir",
            "On ne voit rien après 18 h en hiver, les lampadaires sont espacés.",
            "tranquillite-publique",
        ),
        (
            "Rue Jean-Jaurès trop sombre la nuit, éclairage à revoir",
            "Les femmes ont peur de rentrer à pied le soir.",
            "tranquillite-publique",
        ),
        80,
    ),
    (
        (
            "Créer une aire de jeux pour les petits près de l'école",
            "Les enfants jouent sur le parking faute de mieux.",
            "education-jeunesse",
        ),
        (
            "Aire de jeux pour enfants à côté de l'école maternelle",
            "Un toboggan et des balançoires, avec des bancs pour les parents.",
            "culture-sport-loisirs",
        ),
        60,
    ),
    (
        (
            "Ralentisseur devant l'école Pasteur",
            "Les voitures arrivent très vite au moment de la sortie.",
            "mobilite-accessibilite",
        ),
        (
            "Mettre un ralentisseur devant école pasteur",
            "les voitures roulent trop vite c'est dangereux pour les enfants",
            "mobilite-accessibilite",
        ),
        20,
    ),
    (
        (
            "Jardin partagé sur le terrain vague de la cité",
            "Le terrain est laissé à l'abandon, on pourrait y cultiver des légumes ensemble.",
            "energie-environnement",
        ),
        (
            "Transformer le terrain vague en jardins partagés",
            "Des parcelles pour les familles et l'école.",
            "energie-environnement",
        ),
        120,
    ),
    (
        (
            "Des poubelles supplémentaires place de la Mairie",
            "Les poubelles débordent chaque week-end après le marché.",
            "cadre-de-vie-espaces-publics",
        ),
        (
            "Pas assez de poubelles sur la place de la mairie",
            "Après le marché c'est sale.",
            "cadre-de-vie-espaces-publics",
        ),
        45,
    ),
    (
        (
            "Réparer le trottoir défoncé rue de Lille",
            "Impossible de passer avec une poussette ou un fauteuil roulant.",
            "mobilite-accessibilite",
        ),
        (
            "Trottoir rue de Lille en très mauvais état, à refaire",
            "Ma voisine est tombée la semaine dernière.",
            "mobilite-accessibilite",
        ),
        70,
    ),
    (
        (
            "Un abri pour l'arrêt de bus Cité 12",
            "On attend le bus sous la pluie, il n'y a rien pour s'abriter.",
            "mobilite-accessibilite",
        ),
        (
            "Abri bus arrêt cité 12",
            "on attend sous la pluie avec les enfants le matin",
            "mobilite-accessibilite",
        ),
        15,
    ),
    (
        (
            "Piste cyclable vers la gare de Lens",
            "Aller à la gare à vélo est dangereux sur la route principale.",
            "mobilite-accessibilite",
        ),
        (
            "Une vraie piste cyclable jusqu'à la gare",
            "Je vais au travail en vélo et je risque ma vie tous les jours.",
            "mobilite-accessibilite",
        ),
        400,
    ),
    (
        (
            "Ouvrir une maison médicale dans le quartier",
            "Le dernier médecin est parti à la retraite, il faut aller en ville.",
            "sante",
        ),
        ("Maison de santé dans le quartier", "Plus aucun médecin généraliste à moins de 3 km.", "sante"),
        150,
    ),
    (
        (
            "Rénover la façade des logements rue Voltaire",
            "Les façades sont noires et l'enduit tombe.",
            "logement-habitat",
        ),
        (
            "Façades des logements de la rue Voltaire à rénover",
            "Ça donne une mauvaise image du quartier.",
            "logement-habitat",
        ),
        50,
    ),
    (
        (
            "Créer un city stade pour les ados",
            "Les jeunes n'ont aucun endroit pour jouer au foot.",
            "culture-sport-loisirs",
        ),
        ("City-stade pour les jeunes du quartier", "Un terrain multisport clôturé.", "culture-sport-loisirs"),
        90,
    ),
    (
        (
            "Des toilettes publiques au parc",
            "Les familles passent l'après-midi au parc sans toilettes.",
            "services-equipements-proximite",
        ),
        (
            "Toilettes publiques dans le parc svp",
            "Pour les enfants et les personnes âgées.",
            "services-equipements-proximite",
        ),
        40,
    ),
    (
        (
            "Plus de places de stationnement devant les commerces",
            "Les clients ne s'arrêtent plus faute de place.",
            "commerces-activite-economique",
        ),
        (
            "Manque de stationnement près des commerces",
            "Les commerçants perdent des clients.",
            "commerces-activite-economique",
        ),
        65,
    ),
    (
        (
            "Installer des caméras sur le parking de la résidence",
            "Plusieurs voitures ont été fracturées ce mois-ci.",
            "tranquillite-publique",
        ),
        (
            "Vidéoprotection sur le parking de la résidence",
            "Trop de vols dans les voitures.",
            "tranquillite-publique",
        ),
        25,
    ),
    (
        (
            "Planter des arbres le long du boulevard",
            "Il fait très chaud l'été, aucune ombre.",
            "energie-environnement",
        ),
        (
            "Des arbres sur le boulevard pour l'ombre",
            "En été le boulevard est un four.",
            "energie-environnement",
        ),
        300,
    ),
    (
        (
            "Un passage piéton devant la boulangerie",
            "Les enfants traversent n'importe où pour aller acheter le pain.",
            "mobilite-accessibilite",
        ),
        (
            "Passage pour piétons face à la boulangerie",
            "Traverser est dangereux à cet endroit.",
            "mobilite-accessibilite",
        ),
        30,
    ),
    (
        (
            "Un local pour les associations du quartier",
            "Les associations se réunissent dans des appartements.",
            "vie-associative-lien-social",
        ),
        (
            "Une salle pour les associations",
            "Pour les réunions, l'aide aux devoirs et les fêtes.",
            "vie-associative-lien-social",
        ),
        100,
    ),
    (
        (
            "Isoler les maisons minières contre le froid",
            "Les factures de chauffage explosent dans les maisons de la cité.",
            "energie-environnement",
        ),
        (
            "Isolation des maisons des mines",
            "Nos factures de chauffage sont trop chères, les murs sont froids.",
            "logement-habitat",
        ),
        180,
    ),
    (
        (
            "Wifi gratuit à la médiathèque",
            "Beaucoup de familles n'ont pas internet à la maison.",
            "numerique",
        ),
        ("Accès wifi gratuit médiathèque", "Pour faire les démarches en ligne et les devoirs.", "numerique"),
        20,
    ),
)

# (title, body, theme, index of the pair whose original it sits next to, distance in metres)
DECOYS = (
    (
        "Installer des bancs dans le parc",
        "Pour se reposer à l'ombre.",
        "cadre-de-vie-espaces-publics",
        12,
        30,
    ),
    (
        "Éclairage du parking de la salle des sports",
        "Le parking est noir le soir.",
        "tranquillite-publique",
        1,
        40,
    ),
    ("Réparer la chaussée rue de Lille", "Des nids-de-poule partout.", "mobilite-accessibilite", 6, 30),
    ("L'aire de jeux du parc est à rénover", "Les jeux sont cassés.", "culture-sport-loisirs", 12, 60),
    ("Ralentisseur rue Voltaire", "Les voitures roulent trop vite.", "mobilite-accessibilite", 10, 40),
    (
        "Les poubelles débordent rue de Lille",
        "Le ramassage ne passe qu'une fois.",
        "cadre-de-vie-espaces-publics",
        6,
        50,
    ),
    (
        "Déplacer l'arrêt de bus près de la poste",
        "L'arrêt actuel est trop loin.",
        "mobilite-accessibilite",
        7,
        60,
    ),
    ("Ouvrir le jardin du presbytère au public", "Un bel espace vert fermé.", "energie-environnement", 4, 80),
    ("Des arbres fruitiers dans les jardins", "Pommiers et poiriers.", "energie-environnement", 4, 40),
    ("Plus de places en crèche", "Les listes d'attente sont trop longues.", "education-jeunesse", 2, 30),
    ("Caméras à l'entrée de l'école", "Pour la sécurité des enfants.", "tranquillite-publique", 3, 25),
    ("Plus de médecins de garde le week-end", "Les urgences sont saturées.", "sante", 9, 50),
    (
        "Stationnement gênant devant l'école",
        "Les parents se garent sur le trottoir.",
        "mobilite-accessibilite",
        3,
        20,
    ),
    ("Une épicerie solidaire", "Pour les familles en difficulté.", "commerces-activite-economique", 13, 40),
    (
        "Fête des voisins dans la cité",
        "Un moment convivial chaque année.",
        "vie-associative-lien-social",
        17,
        30,
    ),
    ("Permanence numérique pour les démarches", "Aide pour la CAF et Pôle emploi.", "numerique", 19, 35),
    ("Rénover les logements sociaux de la rue Zola", "Humidité et moisissures.", "logement-habitat", 10, 200),
    ("Terrain de pétanque au parc", "Pour les anciens du quartier.", "culture-sport-loisirs", 11, 50),
    ("Un marché le dimanche matin", "Pour faire vivre la place.", "commerces-activite-economique", 5, 30),
    ("Nettoyer les tags sur le pont", "Le pont est couvert de tags.", "cadre-de-vie-espaces-publics", 15, 40),
)
