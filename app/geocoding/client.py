"""A small client of the BAN protocol: `/search/` and `/reverse/`, answers cached in Redis.

The geocoder is never needed for the map to work: any failure (down, slow beyond GEOCODER_TIMEOUT,
an answer that is not a FeatureCollection) raises GeocoderUnavailable, which callers turn into a
French message. Redis away: no cache, the geocoder is still asked."""

import hashlib
import json
import logging
from urllib.parse import urlencode

import requests
from flask import current_app
from redis.exceptions import RedisError

from app.extensions import redis_connection

log = logging.getLogger(__name__)
CACHE_PREFIX = "carte_commune.geocoder:"


class GeocoderUnavailable(Exception):
    """The geocoder did not answer in time or answered something unusable."""


def search(q, lat=None, lon=None, limit=5):
    """Features of `/search/` for the text `q`, biased to (lat, lon)."""
    params = {"q": q, "limit": int(limit)}
    if lat is not None and lon is not None:
        params.update(lat=f"{lat:.5f}", lon=f"{lon:.5f}")
    return _get("/search/", params)


def reverse(lon, lat):
    """The nearest address feature of (lon, lat), or None."""
    features = _get("/reverse/", {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "limit": 1})
    return features[0] if features else None


def _get(path, params):
    url = current_app.config["GEOCODER_URL"].rstrip("/") + path
    key = CACHE_PREFIX + hashlib.sha256((url + "?" + urlencode(sorted(params.items()))).encode()).hexdigest()
    cached = _cache_get(key)
    if cached is not None:
        return cached
    try:
        response = requests.get(url, params=params, timeout=current_app.config["GEOCODER_TIMEOUT"])
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("geocoder %s unavailable: %s", path, error)
        raise GeocoderUnavailable() from error
    features = _features(data)
    _cache_set(key, features)
    return features


def _features(data):
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise GeocoderUnavailable()
    out = []
    for feature in data["features"]:
        try:
            lon, lat = (float(c) for c in feature["geometry"]["coordinates"][:2])
            props = feature.get("properties") or {}
        except (KeyError, TypeError, ValueError):
            continue
        if isinstance(props, dict) and props.get("label"):
            out.append({"lon": lon, "lat": lat, "properties": props})
    return out


def _cache_get(key):
    try:
        raw = redis_connection().get(key)
    except RedisError:
        return None
    return json.loads(raw) if raw else None


def _cache_set(key, value):
    try:
        redis_connection().set(key, json.dumps(value), ex=current_app.config["GEOCODER_CACHE_SECONDS"])
    except RedisError:
        pass
