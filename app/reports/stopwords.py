"""French stop words removed from the frequent words of a report (lower case, accents kept).

Words of 1–2 letters are dropped anyway; this list holds the longer grammatical words, the most
common verb forms and a few words every contribution uses (« quartier », « proposition »)."""

GRAMMAR = """
afin ailleurs hui ainsi alors apres après assez au aucun aucune aujourd aupres auprès auquel aussi autant
autour autre autres aux auxquelles auxquels avant avec beaucoup bien bientot bientôt car ceci cela celle
celles celui cependant certain certaine certaines certains ces cet cette ceux chacun chacune chaque chez
combien comme comment contre dans debut début dedans dehors deja déjà depuis derriere derrière des
desquelles desquels dessous dessus devant donc dont duquel durant elle elles encore enfin ensemble ensuite
entre envers environ etc eux facon façon fois hormis hors ici ils jamais jusqu jusque laquelle lequel les
lesquelles lesquels leur leurs lors lorsque lui mais malgre malgré meme même memes mêmes mes mien mienne
moi moins mon notre nos nous nul nulle oui par parce parfois parmi partout pas pendant peu peut plupart
plus plusieurs plutot plutôt pour pourquoi pourtant pres près puis puisque quand quant que quel quelle
quelles quelque quelques quels qui quoi quoique sans sauf selon ses sien sienne soi soit son sont sous
souvent suis sur surtout tant tard tel telle telles tels tes toi ton tot tôt toujours tous tout toute
toutes tres très trop une unes uns vers voici voila voilà vos votre vous vraiment
"""

VERBS = """
etre être suis es est sommes etes êtes sont etait était etaient étaient sera seront serait seraient soit
soient ete été etant étant avoir ai as avons avez ont avait avaient aura auront aurait auraient ait aient
eu ayant faire fais fait faite faites faits font faisait ferait feraient fera feront pouvoir peux peut
pouvons pouvez peuvent pourrait pourraient pourra pourront puisse puissent devoir dois doit devons devez
doivent devrait devraient devra faut faudrait faudra fallait falloir vouloir veux veut voulons voulez
veulent voudrait voudraient aller vais vas va allons allez vont irait serait mettre met mis mise mettent
dire dit disent avons voir vois voit voient savoir sais sait permettre permet permettrait permettraient
"""

DOMAIN = """
quartier quartiers proposition propositions propose proposer idee idée idées idees chose choses
gens habitants habitant merci bonjour svp niveau cote côté faudrait besoin avis lieu endroit
"""

STOP_WORDS = frozenset((GRAMMAR + VERBS + DOMAIN).split())
