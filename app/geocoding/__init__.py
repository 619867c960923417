"""Address search and reverse geocoding through the BAN protocol (api-adresse.data.gouv.fr, addok)."""
