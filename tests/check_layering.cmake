# Fails when an include crosses the layering of DESIGN.md:
#   core/ never includes Qt or widgets/; protocol/ and sim/ never include net/ or node/;
#   wire/ includes only util/ and wire/; cluster/ never includes net/, node/ or protocol engines.
function(check_folder folder pattern why)
  file(GLOB_RECURSE files ${SOURCE_DIR}/${folder}/*.hpp ${SOURCE_DIR}/${folder}/*.cpp)
  foreach(file IN LISTS files)
    file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS lines)
      if(line MATCHES "${pattern}")
        message(SEND_ERROR "${file}: '${line}' — ${why}")
      endif()
    endforeach()
  endforeach()
endfunction()

check_folder(core "[<\"](Q[A-Za-z]|widgets/)" "core/ must stay Qt-free")
check_folder(core/wire "[\"](net|protocol|node|cluster|sim|telemetry)/" "wire/ is the bottom layer")
check_folder(core/protocol "[\"](net|node|cluster)/|boost/asio" "protocol/ is sans-IO")
check_folder(core/sim "[\"](net|node|cluster)/|boost/asio" "sim/ drives protocol/ without sockets")
check_folder(core/crypto "[\"](net|protocol|node|cluster|sim|telemetry)/" "crypto/ sits on util/ only")
check_folder(core/net "[\"](protocol|node|cluster|sim)/" "net/ sits below the node")
check_folder(core/cluster "[\"](net|node)/" "cluster/ talks to nodes only through the control channel")
