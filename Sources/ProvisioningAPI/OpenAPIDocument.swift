// Generated from docs/openapi.json by scripts/openapi.py (a test checks they are equal). Do not edit.
enum OpenAPIDocument {
    static let json = #"""
{
  "components": {
    "responses": {
      "Conflict": {
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "description": "an identity belongs to another subscription"
      },
      "Forbidden": {
        "description": "unknown bearer token"
      },
      "Invalid": {
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "description": "validation failed"
      },
      "NotFound": {
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "description": "no such subscription"
      },
      "Unauthorized": {
        "description": "no bearer token"
      }
    },
    "schemas": {
      "AMBR": {
        "properties": {
          "downlink": {
            "description": "bits per second",
            "format": "int64",
            "type": "integer"
          },
          "uplink": {
            "description": "bits per second",
            "format": "int64",
            "type": "integer"
          }
        },
        "required": [
          "uplink",
          "downlink"
        ],
        "type": "object"
      },
      "APN": {
        "properties": {
          "ambr": {
            "$ref": "#/components/schemas/AMBR"
          },
          "arp": {
            "properties": {
              "preemptionCapability": {
                "type": "boolean"
              },
              "preemptionVulnerability": {
                "type": "boolean"
              },
              "priorityLevel": {
                "maximum": 15,
                "minimum": 1,
                "type": "integer"
              }
            },
            "required": [
              "priorityLevel"
            ],
            "type": "object"
          },
          "contextIdentifier": {
            "type": "integer"
          },
          "name": {
            "description": "APN network identifier (TS 23.003 \u00a79.1)",
            "type": "string"
          },
          "pdnType": {
            "enum": [
              "IPv4",
              "IPv6",
              "IPv4v6",
              "IPv4_OR_IPv6",
              "Non-IP"
            ],
            "type": "string"
          },
          "qci": {
            "description": "1-9 or 65-254",
            "type": "integer"
          },
          "staticAddresses": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "vplmnDynamicAddressAllowed": {
            "type": "boolean"
          }
        },
        "required": [
          "contextIdentifier",
          "name"
        ],
        "type": "object"
      },
      "ActionResult": {
        "properties": {
          "requests": {
            "items": {
              "$ref": "#/components/schemas/Delivery"
            },
            "type": "array"
          }
        },
        "type": "object"
      },
      "Cluster": {
        "properties": {
          "members": {
            "description": "absent: no cluster configured",
            "items": {
              "properties": {
                "address": {
                  "type": "string"
                },
                "epoch": {
                  "type": "integer"
                },
                "lag": {
                  "description": "records behind the leader",
                  "type": "integer"
                },
                "last": {
                  "description": "last log sequence",
                  "type": "integer"
                },
                "leader": {
                  "type": "string"
                },
                "node": {
                  "type": "string"
                },
                "reachable": {
                  "type": "boolean"
                },
                "role": {
                  "enum": [
                    "leader",
                    "follower",
                    "candidate",
                    "fenced"
                  ],
                  "type": "string"
                }
              },
              "required": [
                "node",
                "address",
                "reachable"
              ],
              "type": "object"
            },
            "type": "array"
          },
          "node": {
            "description": "this node's id; absent on a single node",
            "type": "string"
          }
        },
        "type": "object"
      },
      "Delivery": {
        "properties": {
          "command": {
            "enum": [
              "RTR",
              "PPR",
              "CLR",
              "IDR",
              "DSR",
              "PNR"
            ],
            "type": "string"
          },
          "destinationHost": {
            "type": "string"
          },
          "experimental": {
            "type": "boolean"
          },
          "failure": {
            "type": "string"
          },
          "resultCode": {
            "type": "integer"
          },
          "userName": {
            "type": "string"
          }
        },
        "type": "object"
      },
      "DeregisterRequest": {
        "properties": {
          "privateIdentities": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "publicIdentities": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "reason": {
            "enum": [
              "PERMANENT_TERMINATION",
              "NEW_SERVER_ASSIGNED",
              "SERVER_CHANGE",
              "REMOVE_S-CSCF"
            ],
            "type": "string"
          },
          "reasonInfo": {
            "type": "string"
          }
        },
        "required": [
          "reason"
        ],
        "type": "object"
      },
      "EPSSubscription": {
        "description": "EPS data for S6a (TS 29.272 \u00a77.3.2; docs/data-model.md). The USIM's K, OPc, AMF and SQN are those of the private identity akaIdentity (default: the first with aka).",
        "properties": {
          "accessRestrictions": {
            "items": {
              "enum": [
                "UTRAN_NOT_ALLOWED",
                "GERAN_NOT_ALLOWED",
                "GAN_NOT_ALLOWED",
                "I_HSPA_EVOLUTION_NOT_ALLOWED",
                "WB_E_UTRAN_NOT_ALLOWED",
                "HO_TO_NON_3GPP_ACCESS_NOT_ALLOWED",
                "NB_IOT_NOT_ALLOWED",
                "ENHANCED_COVERAGE_NOT_ALLOWED"
              ],
              "type": "string"
            },
            "type": "array"
          },
          "akaIdentity": {
            "type": "string"
          },
          "allowedRATTypes": {
            "items": {
              "description": "RAT-Type names (TS 29.212 \u00a75.3.31): EUTRAN, UTRAN, GERAN, NG-RAN, ...",
              "type": "string"
            },
            "type": "array"
          },
          "allowedVisitedPLMNs": {
            "items": {
              "description": "MCC-MNC, or * for any; the home PLMN is always allowed",
              "type": "string"
            },
            "type": "array"
          },
          "ambr": {
            "$ref": "#/components/schemas/AMBR"
          },
          "apns": {
            "items": {
              "$ref": "#/components/schemas/APN"
            },
            "type": "array"
          },
          "defaultContextIdentifier": {
            "type": "integer"
          },
          "imsi": {
            "pattern": "^[0-9]{6,15}$",
            "type": "string"
          },
          "msisdn": {
            "pattern": "^[0-9]{1,15}$",
            "type": "string"
          },
          "networkAccessMode": {
            "enum": [
              "PACKET_AND_CIRCUIT",
              "ONLY_PACKET"
            ],
            "type": "string"
          },
          "operatorDeterminedBarring": {
            "description": "Operator-Determined-Barring bits (TS 29.272 \u00a77.3.30)",
            "type": "integer"
          },
          "subscriberStatus": {
            "enum": [
              "SERVICE_GRANTED",
              "OPERATOR_DETERMINED_BARRING"
            ],
            "type": "string"
          }
        },
        "required": [
          "imsi"
        ],
        "type": "object"
      },
      "Error": {
        "properties": {
          "error": {
            "type": "string"
          },
          "fields": {
            "additionalProperties": {
              "type": "string"
            },
            "type": "object"
          }
        },
        "required": [
          "error"
        ],
        "type": "object"
      },
      "ImportResult": {
        "properties": {
          "failed": {
            "items": {
              "properties": {
                "error": {
                  "type": "string"
                },
                "line": {
                  "type": "integer"
                }
              },
              "type": "object"
            },
            "type": "array"
          },
          "imported": {
            "type": "integer"
          }
        },
        "type": "object"
      },
      "PeerRule": {
        "description": "A peer and what it may ask (docs/hardening.md)",
        "properties": {
          "addresses": {
            "description": "source addresses it may connect from; absent: any",
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "applications": {
            "description": "cx, s6a, sh or application ids",
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "certificateName": {
            "description": "the name its TLS certificate must carry",
            "type": "string"
          },
          "commands": {
            "description": "request abbreviations (MAR, AIR, ...) or codes; absent: every command of those applications",
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "originHost": {
            "description": "the CER's Origin-Host; * with originRealm: every host of the realm",
            "type": "string"
          },
          "originRealm": {
            "type": "string"
          },
          "relay": {
            "description": "an agent that forwards requests of other Origin-Hosts",
            "type": "boolean"
          }
        },
        "required": [
          "originHost",
          "applications"
        ],
        "type": "object"
      },
      "Peers": {
        "properties": {
          "connected": {
            "description": "read only: the peers connected now",
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "connections": {
            "description": "read only: every peer with a connection",
            "items": {
              "properties": {
                "direction": {
                  "enum": [
                    "inbound",
                    "outbound"
                  ],
                  "type": "string"
                },
                "originHost": {
                  "type": "string"
                },
                "state": {
                  "enum": [
                    "open",
                    "waiting-for-cea"
                  ],
                  "type": "string"
                }
              },
              "type": "object"
            },
            "type": "array"
          },
          "mode": {
            "enum": [
              "enforcing",
              "permissive"
            ],
            "type": "string"
          },
          "peers": {
            "items": {
              "$ref": "#/components/schemas/PeerRule"
            },
            "type": "array"
          }
        },
        "required": [
          "mode"
        ],
        "type": "object"
      },
      "PutResult": {
        "properties": {
          "created": {
            "type": "boolean"
          },
          "mmeRequests": {
            "description": "IDR, DSR or CLR sent to the serving MME",
            "items": {
              "$ref": "#/components/schemas/Delivery"
            },
            "type": "array"
          },
          "pushProfile": {
            "items": {
              "$ref": "#/components/schemas/Delivery"
            },
            "type": "array"
          },
          "subscription": {
            "$ref": "#/components/schemas/SubscriptionView"
          }
        },
        "type": "object"
      },
      "RegistrationView": {
        "properties": {
          "identities": {
            "items": {
              "properties": {
                "identity": {
                  "type": "string"
                },
                "privateIdentities": {
                  "items": {
                    "type": "string"
                  },
                  "type": "array"
                },
                "state": {
                  "enum": [
                    "NOT_REGISTERED",
                    "REGISTERED",
                    "UNREGISTERED"
                  ],
                  "type": "string"
                }
              },
              "type": "object"
            },
            "type": "array"
          },
          "mme": {
            "description": "The MME serving the EPS subscription (after a ULR)",
            "properties": {
              "imei": {
                "type": "string"
              },
              "originHost": {
                "type": "string"
              },
              "originRealm": {
                "type": "string"
              },
              "purged": {
                "type": "boolean"
              },
              "ratType": {
                "type": "string"
              },
              "visitedPLMN": {
                "type": "string"
              }
            },
            "type": "object"
          },
          "scscf": {
            "properties": {
              "authenticationPending": {
                "type": "boolean"
              },
              "originHost": {
                "type": "string"
              },
              "originRealm": {
                "type": "string"
              },
              "serverName": {
                "type": "string"
              }
            },
            "type": "object"
          }
        },
        "type": "object"
      },
      "RekeyResult": {
        "properties": {
          "keyID": {
            "description": "the current key's id",
            "type": "integer"
          },
          "note": {
            "type": "string"
          },
          "resealed": {
            "type": "integer"
          },
          "subscriptions": {
            "type": "integer"
          }
        },
        "type": "object"
      },
      "ShApplicationServer": {
        "properties": {
          "dsaiTags": {
            "description": "DSAI tags it may read and set",
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "originHost": {
            "description": "the AS's Diameter identity (the connection's peer)",
            "type": "string"
          },
          "read": {
            "description": "data references it may read (UDR; SNR with Send-Data-Indication)",
            "items": {
              "enum": [
                "RepositoryData",
                "IMSPublicIdentity",
                "IMSUserState",
                "S-CSCFName",
                "InitialFilterCriteria",
                "LocationInformation",
                "UserState",
                "ChargingInformation",
                "MSISDN",
                "PSIActivation",
                "DSAI",
                "ServiceLevelTraceInfo",
                "IMSI",
                "all"
              ],
              "type": "string"
            },
            "type": "array"
          },
          "serviceIndications": {
            "description": "service indications it may use; absent: any",
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "subscribe": {
            "description": "data references it may subscribe to (SNR)",
            "items": {
              "enum": [
                "RepositoryData",
                "IMSPublicIdentity",
                "IMSUserState",
                "S-CSCFName",
                "InitialFilterCriteria",
                "LocationInformation",
                "UserState",
                "ChargingInformation",
                "MSISDN",
                "PSIActivation",
                "DSAI",
                "ServiceLevelTraceInfo",
                "IMSI",
                "all"
              ],
              "type": "string"
            },
            "type": "array"
          },
          "update": {
            "description": "RepositoryData, PSIActivation, DSAI (PUR)",
            "items": {
              "enum": [
                "RepositoryData",
                "IMSPublicIdentity",
                "IMSUserState",
                "S-CSCFName",
                "InitialFilterCriteria",
                "LocationInformation",
                "UserState",
                "ChargingInformation",
                "MSISDN",
                "PSIActivation",
                "DSAI",
                "ServiceLevelTraceInfo",
                "IMSI",
                "all"
              ],
              "type": "string"
            },
            "type": "array"
          }
        },
        "required": [
          "originHost"
        ],
        "type": "object"
      },
      "ShPolicy": {
        "properties": {
          "applicationServers": {
            "items": {
              "$ref": "#/components/schemas/ShApplicationServer"
            },
            "type": "array"
          },
          "maxRepositoryDataBytes": {
            "description": "largest ServiceData (5008 TOO_MUCH_DATA above)",
            "minimum": 1,
            "type": "integer"
          },
          "maxSubscriptionSeconds": {
            "description": "longest subscription granted",
            "minimum": 1,
            "type": "integer"
          }
        },
        "required": [
          "applicationServers"
        ],
        "type": "object"
      },
      "ShState": {
        "properties": {
          "dsai": {
            "items": {
              "properties": {
                "active": {
                  "type": "boolean"
                },
                "identity": {
                  "type": "string"
                },
                "tag": {
                  "type": "string"
                }
              },
              "type": "object"
            },
            "type": "array"
          },
          "psiActivation": {
            "additionalProperties": {
              "type": "boolean"
            },
            "description": "PSI activation set over Sh, by PSI",
            "type": "object"
          },
          "repositoryData": {
            "items": {
              "properties": {
                "identity": {
                  "type": "string"
                },
                "sequenceNumber": {
                  "type": "integer"
                },
                "serviceData": {
                  "type": "string"
                },
                "serviceIndication": {
                  "type": "string"
                }
              },
              "type": "object"
            },
            "type": "array"
          },
          "subscriptions": {
            "items": {
              "properties": {
                "applicationServer": {
                  "type": "string"
                },
                "dataReference": {
                  "type": "string"
                },
                "dsaiTags": {
                  "items": {
                    "type": "string"
                  },
                  "type": "array"
                },
                "expires": {
                  "description": "absent: no end",
                  "format": "date-time",
                  "type": "string"
                },
                "identity": {
                  "type": "string"
                },
                "oneTime": {
                  "type": "boolean"
                },
                "serverName": {
                  "type": "string"
                },
                "serviceIndications": {
                  "items": {
                    "type": "string"
                  },
                  "type": "array"
                }
              },
              "type": "object"
            },
            "type": "array"
          }
        },
        "type": "object"
      },
      "Subscription": {
        "description": "The subscriber file's subscription object (docs/data-model.md): secrets (aka.k, aka.opc or aka.op, digest.ha1 or digest.password) are accepted here and never returned.",
        "properties": {
          "capabilities": {
            "type": "object"
          },
          "chargingInformation": {
            "type": "object"
          },
          "eps": {
            "$ref": "#/components/schemas/EPSSubscription"
          },
          "id": {
            "type": "string"
          },
          "imsBarred": {
            "type": "boolean"
          },
          "privateIdentities": {
            "items": {
              "type": "object"
            },
            "type": "array"
          },
          "publicIdentities": {
            "items": {
              "type": "object"
            },
            "type": "array"
          },
          "serviceProfiles": {
            "items": {
              "type": "object"
            },
            "type": "array"
          }
        },
        "required": [
          "id",
          "privateIdentities",
          "publicIdentities"
        ],
        "type": "object"
      },
      "SubscriptionList": {
        "properties": {
          "items": {
            "items": {
              "type": "string"
            },
            "type": "array"
          },
          "next": {
            "type": "string"
          }
        },
        "required": [
          "items"
        ],
        "type": "object"
      },
      "SubscriptionView": {
        "description": "A subscription without secrets: aka and digest report only non-secret fields and secretsProvisioned.",
        "properties": {
          "capabilities": {
            "type": "object"
          },
          "chargingInformation": {
            "type": "object"
          },
          "eps": {
            "$ref": "#/components/schemas/EPSSubscription"
          },
          "id": {
            "type": "string"
          },
          "imsBarred": {
            "type": "boolean"
          },
          "privateIdentities": {
            "items": {
              "type": "object"
            },
            "type": "array"
          },
          "publicIdentities": {
            "items": {
              "type": "object"
            },
            "type": "array"
          },
          "serviceProfiles": {
            "items": {
              "type": "object"
            },
            "type": "array"
          }
        },
        "type": "object"
      }
    },
    "securitySchemes": {
      "bearer": {
        "scheme": "bearer",
        "type": "http"
      }
    }
  },
  "info": {
    "description": "Subscriptions, identities, authentication data (secrets write-only), profiles, registration state and network actions (RTR, PPR; CLR, IDR, DSR to the serving MME). Bearer-token authentication. See docs/api.md.",
    "title": "swift-ims-hss provisioning API",
    "version": "1.0.0"
  },
  "openapi": "3.0.3",
  "paths": {
    "/api/v1/cluster": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Cluster"
                }
              }
            },
            "description": "members, or none on a single node"
          }
        },
        "summary": "Every cluster member's role, epoch, log position and lag as it answers now (the console's cluster page)"
      }
    },
    "/api/v1/export": {
      "get": {
        "parameters": [
          {
            "in": "query",
            "name": "format",
            "schema": {
              "default": "ndjson",
              "enum": [
                "ndjson",
                "csv"
              ],
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "type": "string"
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "description": "NDJSON of SubscriptionView"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "summary": "Every subscription as NDJSON, without secrets"
      }
    },
    "/api/v1/import": {
      "post": {
        "parameters": [
          {
            "in": "query",
            "name": "strict",
            "schema": {
              "default": false,
              "type": "boolean"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/x-ndjson": {
              "schema": {
                "type": "string"
              }
            },
            "text/csv": {
              "schema": {
                "description": "header: id, impi, k, opc|op, amf, sqn, digest_realm, digest_password|digest_ha1, impus (space-separated)",
                "type": "string"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ImportResult"
                }
              }
            },
            "description": "what was imported and which lines failed"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "description": "body over 256 MiB"
          }
        },
        "summary": "Import subscriptions as NDJSON (one subscriber-file subscription per line) or CSV (common fields); bad lines are reported by number and the rest imported, unless strict=true"
      }
    },
    "/api/v1/keys/rekey": {
      "post": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RekeyResult"
                }
              }
            },
            "description": "what was sealed anew"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "the key file cannot be read or lacks a key records are sealed under"
          },
          "404": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "no LMDB store (hss serve --in-memory)"
          }
        },
        "summary": "Read the key file again and seal every subscription's keys (K, OPc, HA1) anew under its current key (admin scope; on a cluster's leader; a follower only reloads the file)"
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "responses": {
          "200": {
            "description": "OpenAPI 3 document"
          }
        },
        "summary": "This document"
      }
    },
    "/api/v1/peers": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Peers"
                }
              }
            },
            "description": "mode, peer list, connected peers"
          }
        },
        "summary": "The peer authorisation in force and the connected peers"
      },
      "put": {
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/Peers"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Peers"
                }
              }
            },
            "description": "the policy now in force"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "a rule names an unknown application or command (the field is named)"
          }
        },
        "summary": "Replace the peer authorisation; connected peers are checked at their next request (a peer no longer listed is disconnected)"
      }
    },
    "/api/v1/sh/policy": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ShPolicy"
                }
              }
            },
            "description": "permissions and limits"
          }
        },
        "summary": "The Sh permissions in force on this node (TS 29.328 \u00a76.2)"
      },
      "put": {
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ShPolicy"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ShPolicy"
                }
              }
            },
            "description": "the policy now in force"
          },
          "400": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "description": "an unknown data reference, or one TS 29.328 table 7.6.1 does not let an AS update or subscribe to (the field is named)"
          }
        },
        "summary": "Replace this node's Sh permissions (each cluster node has its own, from its configuration file)"
      }
    },
    "/api/v1/subscriptions": {
      "get": {
        "parameters": [
          {
            "in": "query",
            "name": "limit",
            "schema": {
              "default": 100,
              "maximum": 1000,
              "minimum": 1,
              "type": "integer"
            }
          },
          {
            "description": "the `next` of the previous page",
            "in": "query",
            "name": "after",
            "schema": {
              "type": "string"
            }
          },
          {
            "description": "only the subscription holding this IMPI, IMPU (or whose wildcard matches it) or IMSI",
            "in": "query",
            "name": "identity",
            "schema": {
              "type": "string"
            }
          },
          {
            "description": "only ids starting with this",
            "in": "query",
            "name": "prefix",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubscriptionList"
                }
              }
            },
            "description": "a page"
          },
          "400": {
            "$ref": "#/components/responses/Invalid"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "summary": "List subscription ids (paged)"
      }
    },
    "/api/v1/subscriptions/{id}": {
      "delete": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ActionResult"
                }
              }
            },
            "description": "deleted"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "summary": "Delete a subscription (RTR PERMANENT_TERMINATION to its S-CSCF first)"
      },
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubscriptionView"
                }
              }
            },
            "description": "the subscription"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "summary": "One subscription (secrets omitted)"
      },
      "parameters": [
        {
          "in": "path",
          "name": "id",
          "required": true,
          "schema": {
            "type": "string"
          }
        }
      ],
      "put": {
        "parameters": [
          {
            "description": "true: a private identity sent without aka or digest keeps the stored one (secrets are write-only)",
            "in": "query",
            "name": "keepSecrets",
            "schema": {
              "type": "boolean"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/Subscription"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PutResult"
                }
              }
            },
            "description": "stored"
          },
          "400": {
            "$ref": "#/components/responses/Invalid"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          }
        },
        "summary": "Create or replace a subscription (idempotent; Cx state kept; PPR to the S-CSCF when a registered user's profile, charging or Digest data changed)"
      }
    },
    "/api/v1/subscriptions/{id}/deregister": {
      "parameters": [
        {
          "in": "path",
          "name": "id",
          "required": true,
          "schema": {
            "type": "string"
          }
        }
      ],
      "post": {
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DeregisterRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ActionResult"
                }
              }
            },
            "description": "the RTRs sent and their answers"
          },
          "400": {
            "$ref": "#/components/responses/Invalid"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "summary": "Network-initiated de-registration (RTR, TS 29.228 \u00a76.1.3) with the reason chosen"
      }
    },
    "/api/v1/subscriptions/{id}/push-profile": {
      "parameters": [
        {
          "in": "path",
          "name": "id",
          "required": true,
          "schema": {
            "type": "string"
          }
        }
      ],
      "post": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ActionResult"
                }
              }
            },
            "description": "the PPRs and their outcome (none when nobody is registered)"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "summary": "PPR now: the current profile and charging data to the S-CSCF of each registered private identity"
      }
    },
    "/api/v1/subscriptions/{id}/registration": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RegistrationView"
                }
              }
            },
            "description": "state"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "summary": "Registration state: S-CSCF and state per public identity (read-only)"
      },
      "parameters": [
        {
          "in": "path",
          "name": "id",
          "required": true,
          "schema": {
            "type": "string"
          }
        }
      ]
    },
    "/api/v1/subscriptions/{id}/sh": {
      "get": {
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ShState"
                }
              }
            },
            "description": "Sh state"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          }
        },
        "summary": "What Sh keeps for the subscription: repository data, PSI activation, DSAI, the ASs' subscriptions (read-only)"
      },
      "parameters": [
        {
          "in": "path",
          "name": "id",
          "required": true,
          "schema": {
            "type": "string"
          }
        }
      ]
    }
  },
  "security": [
    {
      "bearer": []
    }
  ],
  "servers": [
    {
      "url": "http://127.0.0.1:8080"
    }
  ]
}
"""#
}
