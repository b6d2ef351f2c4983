print("testenv")
