window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1270000000000000005"
          ],
          "editableUntil" : "Sat Jun 06 10:00:00 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "UNDP Iraq",
            "screen_name" : "UNDPIraq",
            "indices" : [
              "0",
              "9"
            ],
            "id_str" : "310901234",
            "id" : "310901234"
          },
          {
            "name" : "UNMAS",
            "screen_name" : "UNMAS",
            "indices" : [
              "10",
              "16"
            ],
            "id_str" : "123456789",
            "id" : "123456789"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "20"
      ],
      "favorite_count" : "12",
      "id_str" : "1270000000000000005",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1270000000000000005",
      "possibly_sensitive" : false,
      "created_at" : "Sat Jun 06 10:00:00 +0000 2020",
      "favorited" : false,
      "full_text" : "@UNDPIraq @UNMAS 👏👏👏",
      "lang" : "und"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1260000000000000004"
          ],
          "editableUntil" : "Mon May 11 15:45:00 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://x.com/CoalitionDemo/status/1260000000000000004/photo/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/OnlyMed1a5",
            "media_url" : "http://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "id_str" : "1181931119000000000",
            "id" : "1181931119000000000",
            "media_url_https" : "https://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "sizes" : {
              "large" : {
                "w" : "2048",
                "h" : "1366",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.x.com/EGcTq1XkA"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "23"
      ],
      "favorite_count" : "12",
      "id_str" : "1260000000000000004",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1260000000000000004",
      "possibly_sensitive" : false,
      "created_at" : "Mon May 11 15:45:00 +0000 2020",
      "favorited" : false,
      "full_text" : "https://t.co/OnlyMed1a5",
      "lang" : "zxx",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://x.com/CoalitionDemo/status/1260000000000000004/photo/1",
            "indices" : [
              "0",
              "23"
            ],
            "url" : "https://t.co/OnlyMed1a5",
            "media_url" : "http://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "id_str" : "1181931119000000000",
            "id" : "1181931119000000000",
            "media_url_https" : "https://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "sizes" : {
              "large" : {
                "w" : "2048",
                "h" : "1366",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.x.com/EGcTq1XkA"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1260000000000000003"
          ],
          "editableUntil" : "Mon May 11 12:00:00 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "DefeatDaesh",
            "indices" : [
              "122",
              "134"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "134"
      ],
      "favorite_count" : "12",
      "id_str" : "1260000000000000003",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1260000000000000003",
      "possibly_sensitive" : false,
      "created_at" : "Mon May 11 12:00:00 +0000 2020",
      "favorited" : false,
      "full_text" : "Stabilisation funding &gt; $1bn since 2015 &amp; counting: schools, water, power &lt;and&gt; demining in liberated areas. #DefeatDaesh",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1250000000000000002"
          ],
          "editableUntil" : "Tue Apr 14 08:30:00 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Raqqa",
            "indices" : [
              "15",
              "21"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "UNMAS",
            "screen_name" : "UNMAS",
            "indices" : [
              "74",
              "80"
            ],
            "id_str" : "123456789",
            "id" : "123456789"
          }
        ],
        "urls" : [
          {
            "url" : "https://t.co/Fr4nc41234",
            "expanded_url" : "https://example.org/raqqa-le-deminage-ouvre-la-voie/",
            "display_url" : "example.org/raqqa-le-demin…",
            "indices" : [
              "82",
              "105"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "105"
      ],
      "favorite_count" : "12",
      "id_str" : "1250000000000000002",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1250000000000000002",
      "possibly_sensitive" : false,
      "created_at" : "Tue Apr 14 08:30:00 +0000 2020",
      "favorited" : false,
      "full_text" : "Le déminage de #Raqqa se poursuit : 300 maisons rendues aux familles avec @UNMAS. https://t.co/Fr4nc41234",
      "lang" : "fr"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1250000000000000001"
          ],
          "editableUntil" : "Tue Apr 14 08:00:00 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "هذا_الجيل_يتعلم",
            "indices" : [
              "0",
              "16"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/ArAb1c0003",
            "expanded_url" : "https://example.org/ar/mosul-schools/",
            "display_url" : "example.org/ar/mosul-schoo…",
            "indices" : [
              "66",
              "89"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "89"
      ],
      "favorite_count" : "12",
      "id_str" : "1250000000000000001",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1250000000000000001",
      "possibly_sensitive" : false,
      "created_at" : "Tue Apr 14 08:00:00 +0000 2020",
      "favorited" : false,
      "full_text" : "#هذا_الجيل_يتعلم عودة أكثر من ١٢٠٠ تلميذ إلى مدارس الموصل القديمة https://t.co/ArAb1c0003",
      "lang" : "ar"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1241122334455667712"
          ],
          "editableUntil" : "Fri Mar 20 09:12:00 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "UNDP Iraq",
            "screen_name" : "UNDPIraq",
            "indices" : [
              "3",
              "12"
            ],
            "id_str" : "310901234",
            "id" : "310901234"
          }
        ],
        "urls" : [
          {
            "url" : "https://t.co/W4t3rQubba",
            "expanded_url" : "https://example.org/undp-al-qubba",
            "display_url" : "example.org/undp-al-qubba",
            "indices" : [
              "95",
              "118"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "118"
      ],
      "favorite_count" : "12",
      "id_str" : "1241122334455667712",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1241122334455667712",
      "possibly_sensitive" : false,
      "created_at" : "Fri Mar 20 09:12:00 +0000 2020",
      "favorited" : false,
      "full_text" : "RT @UNDPIraq: Water is flowing again from the Al-Qubba plant in Mosul, serving 250,000 people. https://t.co/W4t3rQubba",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1240011876540981248"
          ],
          "editableUntil" : "Tue Mar 17 21:05:44 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Some Journalist",
            "screen_name" : "SomeJournalist",
            "indices" : [
              "0",
              "15"
            ],
            "id_str" : "55501234",
            "id" : "55501234"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "87"
      ],
      "favorite_count" : "12",
      "id_str" : "1240011876540981248",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1240011876540981248",
      "possibly_sensitive" : false,
      "created_at" : "Tue Mar 17 21:05:44 +0000 2020",
      "favorited" : false,
      "full_text" : "@SomeJournalist Thank you for covering the reopening of the Mosul museum &amp; library.",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1239999012345678336",
      "in_reply_to_user_id_str" : "55501234",
      "in_reply_to_screen_name" : "SomeJournalist",
      "in_reply_to_status_id" : "1239999012345678336",
      "in_reply_to_user_id" : "55501234"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1237402859011522561"
          ],
          "editableUntil" : "Tue Mar 10 16:20:06 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/DeM1n1ng02",
            "expanded_url" : "https://example.org/raqqa-le-deminage-ouvre-la-voie/",
            "display_url" : "example.org/raqqa-le-demin…",
            "indices" : [
              "74",
              "97"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "97"
      ],
      "favorite_count" : "12",
      "id_str" : "1237402859011522561",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1237402859011522561",
      "possibly_sensitive" : false,
      "created_at" : "Tue Mar 10 16:20:06 +0000 2020",
      "favorited" : false,
      "full_text" : "2/ Every home cleared means a family can return &amp; rebuild. Read more: https://t.co/DeM1n1ng02",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1237402855123406850",
      "in_reply_to_user_id_str" : "2873410001",
      "in_reply_to_screen_name" : "CoalitionDemo",
      "in_reply_to_status_id" : "1237402855123406850",
      "in_reply_to_user_id" : "2873410001"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1237402855123406850"
          ],
          "editableUntil" : "Tue Mar 10 16:20:05 +0000 2020",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Raqqa",
            "indices" : [
              "15",
              "21"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "UNMAS",
            "screen_name" : "UNMAS",
            "indices" : [
              "48",
              "54"
            ],
            "id_str" : "123456789",
            "id" : "123456789"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "104"
      ],
      "favorite_count" : "12",
      "id_str" : "1237402855123406850",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1237402855123406850",
      "possibly_sensitive" : false,
      "created_at" : "Tue Mar 10 16:20:05 +0000 2020",
      "favorited" : false,
      "full_text" : "1/ Demining in #Raqqa: local teams trained with @UNMAS have cleared more than 300 homes since January. 🧵",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1181931122003456001"
          ],
          "editableUntil" : "Wed Oct 09 14:03:12 +0000 2019",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Mosul",
            "indices" : [
              "18",
              "24"
            ]
          },
          {
            "text" : "ThisGenerationLearns",
            "indices" : [
              "92",
              "113"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/AbC123xyz0",
            "expanded_url" : "https://example.org/thisgenerationlearns-back-to-class-in-west-mosul/",
            "display_url" : "example.org/thisgeneration…",
            "indices" : [
              "114",
              "137"
            ]
          }
        ],
        "media" : [
          {
            "expanded_url" : "https://x.com/CoalitionDemo/status/1181931122003456001/photo/1",
            "indices" : [
              "138",
              "161"
            ],
            "url" : "https://t.co/MeDiA00001",
            "media_url" : "http://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "id_str" : "1181931119000000000",
            "id" : "1181931119000000000",
            "media_url_https" : "https://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "sizes" : {
              "large" : {
                "w" : "2048",
                "h" : "1366",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.x.com/EGcTq1XkA"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "161"
      ],
      "favorite_count" : "12",
      "id_str" : "1181931122003456001",
      "truncated" : false,
      "retweet_count" : "5",
      "id" : "1181931122003456001",
      "possibly_sensitive" : false,
      "created_at" : "Wed Oct 09 14:03:12 +0000 2019",
      "favorited" : false,
      "full_text" : "Back to school in #Mosul: 1,200 pupils return to classrooms rebuilt with coalition support. #ThisGenerationLearns https://t.co/AbC123xyz0 https://t.co/MeDiA00001",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://x.com/CoalitionDemo/status/1181931122003456001/photo/1",
            "indices" : [
              "138",
              "161"
            ],
            "url" : "https://t.co/MeDiA00001",
            "media_url" : "http://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "id_str" : "1181931119000000000",
            "id" : "1181931119000000000",
            "media_url_https" : "https://pbs.twimg.com/media/EGcTq1-XkAAb3xZ.jpg",
            "sizes" : {
              "large" : {
                "w" : "2048",
                "h" : "1366",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.x.com/EGcTq1XkA"
          }
        ]
      }
    }
  }
]
